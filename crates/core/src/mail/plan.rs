//! Sync planning as data: what the server reported plus what the store holds yields the
//! operations to apply. No I/O here, so every rule is tested with plain values.

use std::collections::{BTreeMap, BTreeSet};

use orbit_imap::mailbox::{RemoteFlags, Selected};
use orbit_store::mail::{Cursor, Flags};

/// How to learn about flag changes and expunges of stored messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refresh {
    /// SELECT with QRESYNC already reported them (VANISHED and FETCH).
    FromSelect,
    /// CONDSTORE without QRESYNC: flags changed since this MODSEQ, and a full UID listing for
    /// expunges.
    ChangedSince(u64),
    /// No CONDSTORE: every flag, and a full UID listing.
    Everything,
    /// Nothing stored yet: nothing to refresh.
    Nothing,
}

/// What to do after SELECT.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AfterSelect {
    /// UIDVALIDITY changed: every stored UID of the folder is void.
    pub reset: bool,
    /// How to refresh what is stored.
    pub refresh: Refresh,
    /// Whether anything may be new above the stored range.
    pub look_for_new: bool,
}

/// Decides what to do once a folder is selected.
pub fn after_select(
    local: &Cursor,
    selected: &Selected,
    qresync_used: bool,
    condstore: bool,
) -> AfterSelect {
    let reset = local.uidvalidity != 0 && local.uidvalidity != selected.uidvalidity;
    let stored = !reset && local.last_uid > 0;
    let refresh = if !stored {
        Refresh::Nothing
    } else if qresync_used {
        Refresh::FromSelect
    } else if condstore && local.highestmodseq > 0 && selected.highestmodseq.is_some() {
        Refresh::ChangedSince(local.highestmodseq)
    } else {
        Refresh::Everything
    };
    // A folder synced before (even one that was empty, whose stored range is [1, 0]) only
    // needs what arrived above its range. UIDNEXT only grows; if it is unknown, look anyway.
    let synced_before =
        !reset && local.uidvalidity != 0 && (local.last_uid > 0 || local.backfill_done);
    let look_for_new =
        synced_before && (selected.uidnext == 0 || selected.uidnext > local.last_uid + 1);
    AfterSelect {
        reset,
        refresh,
        look_for_new,
    }
}

/// Stored UIDs that a complete listing of the server no longer has. Only UIDs inside the
/// stored range count, and a listing that cannot be complete (empty while the server says
/// the folder has messages) removes nothing.
pub fn missing(
    stored: &BTreeSet<u32>,
    listed: &BTreeSet<u32>,
    exists: u32,
    last_uid: u32,
) -> Vec<u32> {
    if listed.is_empty() && exists > 0 {
        return Vec::new();
    }
    stored
        .iter()
        .copied()
        .filter(|uid| *uid <= last_uid && !listed.contains(uid))
        .collect()
}

/// UIDs above the stored range, ascending. `UID SEARCH UID n:*` also answers with the highest
/// UID when it is below n; such answers are dropped here.
pub fn new_uids(found: &[u32], last_uid: u32) -> Vec<u32> {
    let mut uids: Vec<u32> = found
        .iter()
        .copied()
        .filter(|uid| *uid > last_uid)
        .collect();
    uids.sort_unstable();
    uids.dedup();
    uids
}

/// UIDs still to backfill, newest first: everything when nothing is stored yet, else those
/// below the stored range.
pub fn backfill_uids(found: &[u32], cursor: &Cursor) -> Vec<u32> {
    let mut uids: Vec<u32> = found
        .iter()
        .copied()
        .filter(|uid| cursor.last_uid == 0 || *uid < cursor.low_uid)
        .collect();
    uids.sort_unstable_by(|a, b| b.cmp(a));
    uids.dedup();
    uids
}

/// Flag changes worth writing: remote flags that differ from what is stored.
pub fn flag_changes(
    stored: &BTreeMap<u32, Flags>,
    remote: &[RemoteFlags],
) -> Vec<(u32, Flags, u64)> {
    remote
        .iter()
        .filter_map(|r| {
            let flags = Flags::from_imap(&r.flags);
            match stored.get(&r.uid) {
                Some(current) if *current != flags => Some((r.uid, flags, r.modseq.unwrap_or(0))),
                _ => None,
            }
        })
        .collect()
}

/// The cursor after a batch of the first sync or the backfill (newest first) was stored.
pub fn after_backfill_batch(cursor: &Cursor, batch: &[u32]) -> Cursor {
    let mut next = cursor.clone();
    if let (Some(top), Some(bottom)) = (batch.iter().max(), batch.iter().min()) {
        if next.last_uid == 0 {
            next.last_uid = *top;
        }
        next.low_uid = if next.low_uid == 0 {
            *bottom
        } else {
            next.low_uid.min(*bottom)
        };
    }
    next
}

/// The cursor after a batch of new messages (ascending) was stored.
pub fn after_new_batch(cursor: &Cursor, batch: &[u32]) -> Cursor {
    let mut next = cursor.clone();
    if let Some(top) = batch.iter().max() {
        next.last_uid = next.last_uid.max(*top);
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(uidvalidity: u32, last_uid: u32, low_uid: u32, modseq: u64) -> Cursor {
        Cursor {
            uidvalidity,
            last_uid,
            low_uid,
            highestmodseq: modseq,
            ..Cursor::default()
        }
    }

    fn selected(uidvalidity: u32, uidnext: u32, modseq: Option<u64>, exists: u32) -> Selected {
        Selected {
            uidvalidity,
            uidnext,
            highestmodseq: modseq,
            exists,
            ..Selected::default()
        }
    }

    #[test]
    fn a_changed_uidvalidity_resets_the_folder_and_skips_incremental_steps() {
        let plan = after_select(
            &cursor(7, 100, 1, 50),
            &selected(8, 5, Some(3), 4),
            true,
            true,
        );
        assert!(plan.reset);
        assert_eq!(
            plan.refresh,
            Refresh::Nothing,
            "no flag/expunge refresh of void UIDs"
        );
        assert!(
            !plan.look_for_new,
            "the folder is fetched from scratch instead"
        );
    }

    #[test]
    fn refresh_follows_the_server_extensions() {
        let local = cursor(7, 100, 1, 50);
        assert_eq!(
            after_select(&local, &selected(7, 101, Some(60), 100), true, true).refresh,
            Refresh::FromSelect
        );
        assert_eq!(
            after_select(&local, &selected(7, 101, Some(60), 100), false, true).refresh,
            Refresh::ChangedSince(50)
        );
        assert_eq!(
            after_select(&local, &selected(7, 101, None, 100), false, true).refresh,
            Refresh::Everything,
            "NOMODSEQ"
        );
        assert_eq!(
            after_select(&local, &selected(7, 101, None, 100), false, false).refresh,
            Refresh::Everything
        );
        assert_eq!(
            after_select(
                &cursor(0, 0, 0, 0),
                &selected(7, 101, Some(1), 100),
                true,
                true
            )
            .refresh,
            Refresh::Nothing
        );
    }

    #[test]
    fn nothing_new_when_uidnext_did_not_move() {
        assert!(
            !after_select(
                &cursor(7, 100, 1, 50),
                &selected(7, 101, Some(50), 100),
                true,
                true
            )
            .look_for_new
        );
        assert!(
            after_select(
                &cursor(7, 100, 1, 50),
                &selected(7, 102, Some(51), 101),
                true,
                true
            )
            .look_for_new
        );
        assert!(
            after_select(
                &cursor(7, 100, 1, 50),
                &selected(7, 0, None, 101),
                false,
                false
            )
            .look_for_new,
            "unknown UIDNEXT"
        );
    }

    #[test]
    fn mail_arriving_in_a_folder_that_was_empty_is_fetched() {
        // Regression: an empty folder's first sync leaves last_uid at 0 (UIDNEXT was 1).
        let empty = Cursor {
            uidvalidity: 7,
            backfill_done: true,
            ..Cursor::default()
        };
        let plan = after_select(&empty, &selected(7, 2, Some(2), 1), true, true);
        assert!(
            plan.look_for_new,
            "the new message above UID 0 is looked for"
        );
        assert_eq!(plan.refresh, Refresh::Nothing, "nothing stored to refresh");
        assert!(!after_select(&empty, &selected(7, 1, Some(1), 0), true, true).look_for_new);
    }

    #[test]
    fn uid_fetch_n_star_answering_below_n_is_ignored() {
        assert_eq!(
            new_uids(&[100], 100),
            Vec::<u32>::new(),
            "n:* returned the last message again"
        );
        assert_eq!(new_uids(&[99, 103, 101], 100), vec![101, 103]);
    }

    #[test]
    fn a_partial_or_failed_listing_deletes_nothing() {
        let stored: BTreeSet<u32> = [1, 2, 3, 4].into();
        assert_eq!(
            missing(&stored, &BTreeSet::new(), 4, 4),
            Vec::<u32>::new(),
            "empty listing of a non-empty folder"
        );
        assert_eq!(missing(&stored, &[1, 3].into(), 2, 4), vec![2, 4]);
        assert_eq!(
            missing(&stored, &BTreeSet::new(), 0, 4),
            vec![1, 2, 3, 4],
            "the folder really is empty"
        );
        assert_eq!(
            missing(&stored, &[1].into(), 1, 2),
            vec![2],
            "UIDs above the stored range are not judged"
        );
    }

    #[test]
    fn the_first_sync_goes_newest_first_and_the_cursor_covers_what_is_stored() {
        let mut c = Cursor::default();
        let todo = backfill_uids(&[1, 2, 3, 4, 5, 6, 7], &c);
        assert_eq!(todo, vec![7, 6, 5, 4, 3, 2, 1]);
        for batch in todo.chunks(3) {
            c = after_backfill_batch(&c, batch);
        }
        assert_eq!((c.last_uid, c.low_uid), (7, 1));
        let c = after_backfill_batch(&Cursor::default(), &[9, 8]);
        assert_eq!(
            backfill_uids(&[1, 5, 8, 9, 10], &c),
            vec![5, 1],
            "only below the stored range"
        );
        assert_eq!(after_new_batch(&c, &[10, 12]).last_uid, 12);
    }

    #[test]
    fn only_differing_flags_are_written() {
        let stored: BTreeMap<u32, Flags> = [
            (1, Flags::default()),
            (
                2,
                Flags {
                    seen: true,
                    ..Flags::default()
                },
            ),
        ]
        .into();
        let remote = vec![
            RemoteFlags {
                uid: 1,
                flags: vec!["\\Seen".into()],
                modseq: Some(9),
            },
            RemoteFlags {
                uid: 2,
                flags: vec!["\\Seen".into()],
                modseq: Some(9),
            },
            RemoteFlags {
                uid: 3,
                flags: vec![],
                modseq: Some(9),
            },
        ];
        let changes = flag_changes(&stored, &remote);
        assert_eq!(changes.len(), 1);
        assert_eq!(changes.first().map(|c| c.0), Some(1));
    }
}
