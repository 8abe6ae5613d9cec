//! An incremental decoder of server-sent events (the WHATWG `text/event-stream` format):
//! bytes go in as the network delivers them, split anywhere (inside a line, inside a UTF-8
//! character); whole events come out.

/// One event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field; empty when the server sent none ("message").
    pub event: String,
    /// The `data:` lines joined by `\n`.
    pub data: String,
}

/// Turns a byte stream into events.
#[derive(Debug, Default)]
pub struct SseDecoder {
    pending: Vec<u8>,
    event: String,
    data: Vec<String>,
    has_data: bool,
}

impl SseDecoder {
    /// Takes the next bytes and returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        self.pending.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut start = 0;
        let mut i = 0;
        while let Some(&b) = self.pending.get(i) {
            if b == b'\n' || b == b'\r' {
                let next = self.pending.get(i + 1).copied();
                if b == b'\r' && next.is_none() {
                    // A CR at the end of what arrived: wait to see whether LF follows.
                    break;
                }
                let line = self.pending.get(start..i).unwrap_or_default().to_vec();
                let end = if b == b'\r' && next == Some(b'\n') {
                    i + 2
                } else {
                    i + 1
                };
                self.line(&line, &mut events);
                start = end;
                i = end;
            } else {
                i += 1;
            }
        }
        self.pending.drain(..start.min(self.pending.len()));
        events
    }

    /// The end of the stream: an event not closed by a blank line is dropped, as the
    /// standard says; a last line without its line break still counts.
    pub fn finish(&mut self) -> Vec<SseEvent> {
        let mut events = Vec::new();
        if !self.pending.is_empty() {
            let line = std::mem::take(&mut self.pending);
            let line = line.strip_suffix(b"\r").unwrap_or(&line).to_vec();
            self.line(&line, &mut events);
            self.line(b"", &mut events);
        }
        events
    }

    fn line(&mut self, line: &[u8], events: &mut Vec<SseEvent>) {
        if line.is_empty() {
            if self.has_data {
                events.push(SseEvent {
                    event: std::mem::take(&mut self.event),
                    data: std::mem::take(&mut self.data).join("\n"),
                });
            }
            self.event.clear();
            self.data.clear();
            self.has_data = false;
            return;
        }
        if line.first() == Some(&b':') {
            return; // a comment
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (text.as_ref(), ""),
        };
        match field {
            "event" => self.event = value.to_owned(),
            "data" => {
                self.data.push(value.to_owned());
                self.has_data = true;
            }
            _ => {} // id, retry, and anything else: not used here
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STREAM: &str = "event: a\ndata: {\"x\":\"h\u{e9}llo \u{1F600}\"}\n\n: comment\r\nevent: b\r\ndata: one\r\ndata: two\r\n\r\ndata: plain\n\n";

    fn expected() -> Vec<SseEvent> {
        vec![
            SseEvent {
                event: "a".into(),
                data: "{\"x\":\"h\u{e9}llo \u{1F600}\"}".into(),
            },
            SseEvent {
                event: "b".into(),
                data: "one\ntwo".into(),
            },
            SseEvent {
                event: String::new(),
                data: "plain".into(),
            },
        ]
    }

    #[test]
    fn events_come_out_whole_however_the_bytes_are_split() {
        let bytes = STREAM.as_bytes();
        for split in 0..=bytes.len() {
            let mut d = SseDecoder::default();
            let mut events = d.feed(&bytes[..split]);
            events.extend(d.feed(&bytes[split..]));
            events.extend(d.finish());
            assert_eq!(events, expected(), "split at {split}");
        }
        // One byte at a time.
        let mut d = SseDecoder::default();
        let mut events = Vec::new();
        for b in bytes {
            events.extend(d.feed(std::slice::from_ref(b)));
        }
        assert_eq!(events, expected());
    }

    #[test]
    fn a_last_event_without_its_blank_line_is_still_read_at_the_end() {
        let mut d = SseDecoder::default();
        assert!(d.feed(b"data: [DONE]").is_empty());
        assert_eq!(d.finish().len(), 1);
    }
}
