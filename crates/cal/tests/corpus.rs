//! Every iCalendar file of the shared corpus (collective/icalendar's and ical4j's test files)
//! is read without a panic; the valid ones that parse are written back and read again without
//! losing anything.

use std::path::{Path, PathBuf};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/ics")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "ics") {
            out.push(path);
        }
    }
}

#[test]
fn every_corpus_file_is_read_without_a_panic_and_valid_ones_round_trip() {
    let mut all = Vec::new();
    files(&corpus(), &mut all);
    all.sort();
    assert!(all.len() >= 250, "the corpus is there: {} files", all.len());
    let (mut parsed, mut events, mut round_trips) = (0, 0, 0);
    let mut lost = Vec::new();
    for path in &all {
        let bytes = std::fs::read(path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        let Ok(object) = orbit_cal::parse(&text) else {
            continue;
        };
        parsed += 1;
        events += object.events.len();
        let invalid = path.components().any(|c| {
            let c = c.as_os_str().to_string_lossy();
            c == "invalid" || c == "fuzzing-corpus"
        });
        if invalid {
            continue;
        }
        let written = object.to_ics();
        match orbit_cal::parse(&written) {
            Ok(again) if again.ical == object.ical => round_trips += 1,
            _ => lost.push(path.display().to_string()),
        }
    }
    eprintln!(
        "{} files: {parsed} parsed ({events} events and to-dos), {round_trips} valid ones round-tripped",
        all.len()
    );
    assert!(lost.is_empty(), "lost data on a round trip: {lost:#?}");
}
