//! The CalDAV adapter's sync primitives against real Radicale and Xandikos: calendars of the home set,
//! sync-collection from nothing and from a token, the ETag listing, multiget, conditional
//! create / update / delete with 412 as a conflict, and a token the server no longer accepts.
//! What comes back is read by orbit-cal.

#![allow(clippy::indexing_slicing)]

use orbit_dav::{Changes, Written};
use orbit_tests::TestResult;

fn event(uid: &str, summary: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Orbit//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261126T120000Z\r\nSUMMARY:{summary}\r\nDTSTART;TZID=Europe/Berlin:20261201T100000\r\nDTEND;TZID=Europe/Berlin:20261201T110000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[tokio::test]
async fn sync_primitives_against_radicale() -> TestResult {
    let Some(servers) = orbit_tests::servers()? else {
        return Ok(());
    };
    scenario(
        &servers.caldav_url,
        &servers.user,
        &servers.password,
        "http://radicale.org/ns/sync/0000bad",
    )
    .await
}

#[tokio::test]
async fn sync_primitives_against_xandikos() -> TestResult {
    let Some(servers) = orbit_tests::servers()? else {
        return Ok(());
    };
    scenario(
        &servers.xandikos_url,
        "alice",
        "unused",
        "http://xandikos.example/ns/sync/0000bad",
    )
    .await
}

async fn scenario(url: &str, user: &str, password: &str, bogus_token: &str) -> TestResult {
    let mut server = orbit_tests::calendar_server(url, user, password)?;
    let segment = format!("sync-{}", std::process::id());
    let calendar = server.create_calendar(&segment, "Sync test").await?;
    let listed = server.calendars().await?;
    let mine = listed
        .iter()
        .find(|c| c.href == calendar)
        .ok_or("the new calendar is listed")?;
    assert_eq!(mine.name.as_deref(), Some("Sync test"));
    assert!(mine.supports_sync);

    // Three new items; creating one again is a conflict, not an error.
    let mut etags = Vec::new();
    for n in 0..3 {
        let href = format!("{calendar}e{n}.ics");
        match server
            .create(&href, &event(&format!("e{n}@orbit"), &format!("Event {n}")))
            .await?
        {
            Written::Done(Some(etag)) => etags.push((href, etag)),
            other => return Err(format!("create {n}: {other:?}").into()),
        }
    }
    assert_eq!(
        server
            .create(&etags[0].0, &event("e0@orbit", "again"))
            .await?,
        Written::Conflict
    );

    // From nothing: everything, and a token.
    let Changes::Delta {
        changed,
        deleted,
        token,
    } = server.changes(&calendar, None).await?
    else {
        return Err("sync-collection refused".into());
    };
    assert_eq!(changed.len(), 3);
    assert!(deleted.is_empty());

    // One changed (and a stale ETag refused), one deleted: the delta says exactly that.
    let (href0, etag0) = etags[0].clone();
    let Written::Done(Some(new0)) = server
        .update(&href0, &event("e0@orbit", "Event 0 moved"), &etag0)
        .await?
    else {
        return Err("update".into());
    };
    assert_ne!(new0, etag0);
    assert_eq!(
        server
            .update(&href0, &event("e0@orbit", "lost"), &etag0)
            .await?,
        Written::Conflict,
        "a stale If-Match is a conflict"
    );
    assert_eq!(
        server.delete(&etags[1].0, &etags[1].1).await?,
        Written::Done(None)
    );
    let Changes::Delta {
        changed,
        deleted,
        token: next,
    } = server.changes(&calendar, Some(&token)).await?
    else {
        return Err("delta refused".into());
    };
    assert_eq!(
        changed.iter().map(|l| l.href.as_str()).collect::<Vec<_>>(),
        [href0.as_str()]
    );
    assert_eq!(deleted, [etags[1].0.clone()]);
    assert_ne!(next, token);

    // A token the server never issued: sync again from scratch.
    assert_eq!(
        server.changes(&calendar, Some(bogus_token)).await?,
        Changes::TokenRejected
    );

    // The ETag listing and multiget, read by orbit-cal.
    let mut all: Vec<String> = server
        .list(&calendar)
        .await?
        .into_iter()
        .map(|l| l.href)
        .collect();
    all.sort();
    assert_eq!(all, [etags[0].0.clone(), etags[2].0.clone()]);
    let fetched = server.fetch(&calendar, &all).await?;
    assert_eq!(fetched.len(), 2);
    for f in &fetched {
        let (etag, data) = f.content.clone().map_err(|s| format!("status {s}"))?;
        assert!(!etag.is_empty());
        let object = orbit_cal::parse(&data)?;
        assert_eq!(object.events.len(), 1);
    }
    let summaries: Vec<String> = fetched
        .iter()
        .filter_map(|f| f.content.as_ref().ok())
        .filter_map(|(_, d)| orbit_cal::parse(d).ok())
        .map(|o| o.events[0].summary.clone())
        .collect();
    assert!(
        summaries.contains(&"Event 0 moved".to_owned()),
        "{summaries:?}"
    );
    Ok(())
}
