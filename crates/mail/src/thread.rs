//! Conversation threading: JWZ's algorithm (<https://www.jwz.org/doc/threading.html>) over
//! Message-ID, In-Reply-To and References, then a guarded subject fallback that only joins a
//! reply to a conversation its sender took part in, within 60 days.
//!
//! Messages are processed in a canonical order (date, then id), so the result does not depend
//! on the order of the batch. Loops, self-references and duplicate ids are tolerated.

use std::collections::{BTreeSet, HashMap};

use crate::ids::clean_id;
use crate::subject::{is_reply_or_forward, normalize_subject};

/// How far apart (in seconds) a reply and a conversation may be for the subject fallback.
pub const SUBJECT_FALLBACK_WINDOW_SECS: i64 = 60 * 86_400;

/// What threading needs to know about one message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadInput {
    /// The message's id (angle brackets and whitespace are tolerated). Empty means none: the
    /// message can then only be found through the subject fallback.
    pub message_id: String,
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub subject: String,
    /// The sender's address.
    pub from: Option<String>,
    /// Lower-cased addresses from From, To and Cc.
    pub participants: Vec<String>,
    /// Unix seconds.
    pub date: Option<i64>,
}

/// Groups a batch of messages into conversations.
///
/// Messages linked by Message-ID / In-Reply-To / References form one conversation; ids that
/// no message in the batch has become placeholder containers that still connect the
/// messages that refer to them. Then a root whose subject is a reply or forward ("Re: x")
/// joins another root with the same normalized subject, but only if they share a participant
/// (the reply's sender is among the other conversation's participants, or the other
/// conversation's sender among the reply's) and their dates are within 60 days (when both
/// are known). Unrelated "Re: hello" mails from different people stay apart.
///
/// Returns groups of indices into `messages`; every index is in exactly one group. Each group
/// is sorted by date (undated messages last) then index; the groups are sorted by their first
/// index.
pub fn group(messages: &[ThreadInput]) -> Vec<Vec<usize>> {
    let prepared: Vec<Prepared> = messages.iter().map(Prepared::new).collect();
    let order = canonical_order(messages, &prepared);
    let forest = Forest::build(&prepared, &order);
    let trees = forest.trees(messages, &order);
    let groups = merge_by_subject(trees);

    let sort_key = |&i: &usize| {
        let date = messages.get(i).and_then(|m| m.date);
        (date.is_none(), date, i)
    };
    let mut out: Vec<Vec<usize>> = groups
        .into_iter()
        .map(|mut members| {
            members.sort_by_key(sort_key);
            members
        })
        .filter(|g| !g.is_empty())
        .collect();
    out.sort_by_key(|g| g.first().copied());
    out
}

/// The subject-fallback guard alone, for incremental threading: may a message with
/// `subject` from `sender` at `date` join an existing conversation with the same normalized
/// subject, these participants and this latest date?
///
/// True only when the subject is a reply or forward form with a non-empty base, the sender is
/// among the participants (compared case-insensitively), and the dates are within 60 days
/// (when both are known). The caller has already matched the normalized subjects.
pub fn subject_fallback_allowed(
    subject: &str,
    sender: Option<&str>,
    date: Option<i64>,
    conversation_participants: &[String],
    conversation_last_date: Option<i64>,
) -> bool {
    if !is_reply_or_forward(subject) || normalize_subject(subject).is_empty() {
        return false;
    }
    let Some(sender) = sender
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
    else {
        return false;
    };
    let known = conversation_participants
        .iter()
        .any(|p| p.trim().to_lowercase() == sender);
    known
        && within_window(
            (date, date),
            (conversation_last_date, conversation_last_date),
        )
}

/// Whether two date ranges (first, last) are at most the fallback window apart; unknown
/// dates never forbid.
fn within_window(a: (Option<i64>, Option<i64>), b: (Option<i64>, Option<i64>)) -> bool {
    match (a, b) {
        ((Some(a_first), Some(a_last)), (Some(b_first), Some(b_last))) => {
            let gap = if a_last < b_first {
                b_first.saturating_sub(a_last)
            } else if b_last < a_first {
                a_first.saturating_sub(b_last)
            } else {
                0
            };
            gap <= SUBJECT_FALLBACK_WINDOW_SECS
        }
        _ => true,
    }
}

/// One message's ids, cleaned.
#[derive(Debug)]
struct Prepared {
    id: String,
    /// References then In-Reply-To, deduplicated, without the own id; the last is the parent.
    refs: Vec<String>,
}

impl Prepared {
    fn new(m: &ThreadInput) -> Prepared {
        let id = clean_id(&m.message_id);
        let mut refs: Vec<String> = Vec::new();
        for r in m.references.iter().chain(&m.in_reply_to) {
            let r = clean_id(r);
            if !r.is_empty() && r != id && !refs.contains(&r) {
                refs.push(r);
            }
        }
        Prepared { id, refs }
    }
}

/// Indices in the order messages are threaded: by date (undated last), id, subject, sender,
/// and only then index, so shuffling the batch changes nothing but exact duplicates' order.
fn canonical_order(messages: &[ThreadInput], prepared: &[Prepared]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..messages.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| {
            let m = messages.get(i);
            let date = m.and_then(|m| m.date);
            (
                date.is_none(),
                date,
                prepared.get(i).map(|p| p.id.as_str()),
                m.map(|m| m.subject.as_str()),
                m.and_then(|m| m.from.as_deref()),
            )
        };
        key(a).cmp(&key(b)).then(a.cmp(&b))
    });
    order
}

/// JWZ containers: one per id seen (message or placeholder), linked child → parent.
#[derive(Debug, Default)]
struct Forest {
    parent: Vec<Option<usize>>,
    by_id: HashMap<String, usize>,
    /// Which message each container holds.
    message: Vec<Option<usize>>,
    /// The container of each message.
    container_of: Vec<usize>,
}

impl Forest {
    fn build(prepared: &[Prepared], order: &[usize]) -> Forest {
        let mut forest = Forest {
            container_of: vec![0; prepared.len()],
            ..Forest::default()
        };
        for &i in order {
            let Some(p) = prepared.get(i) else {
                continue;
            };
            // 1A: the message's container. A second message with the same id gets its own
            // container under the first, so copies of one message stay together.
            let own = if p.id.is_empty() {
                forest.new_container()
            } else {
                forest.container_for(&p.id)
            };
            let (container, duplicate) = if forest.message.get(own).copied().flatten().is_some() {
                let copy = forest.new_container();
                forest.set_parent(copy, Some(own));
                (copy, true)
            } else {
                (own, false)
            };
            if let Some(slot) = forest.message.get_mut(container) {
                *slot = Some(i);
            }
            if let Some(slot) = forest.container_of.get_mut(i) {
                *slot = container;
            }

            // 1B: link the References chain, never over an existing parent, never into a loop.
            let chain: Vec<usize> = p.refs.iter().map(|r| forest.container_for(r)).collect();
            for pair in chain.windows(2) {
                if let [up, down] = *pair
                    && forest.parent_of(down).is_none()
                    && !forest.is_ancestor_or_self(down, up)
                {
                    forest.set_parent(down, Some(up));
                }
            }

            // 1C: the message's own parent is the last reference; the message is more
            // authoritative than what others guessed, so it replaces an earlier parent (unless
            // that would make a loop; then the earlier link stays).
            if !duplicate
                && let Some(&last) = chain.last()
                && !forest.is_ancestor_or_self(container, last)
            {
                forest.set_parent(container, Some(last));
            }
        }
        forest
    }

    fn new_container(&mut self) -> usize {
        self.parent.push(None);
        self.message.push(None);
        self.parent.len() - 1
    }

    fn container_for(&mut self, id: &str) -> usize {
        if let Some(&c) = self.by_id.get(id) {
            return c;
        }
        let c = self.new_container();
        self.by_id.insert(id.to_string(), c);
        c
    }

    fn parent_of(&self, c: usize) -> Option<usize> {
        self.parent.get(c).copied().flatten()
    }

    fn set_parent(&mut self, c: usize, parent: Option<usize>) {
        if let Some(slot) = self.parent.get_mut(c) {
            *slot = parent;
        }
    }

    /// Whether `ancestor` is `c` or above it. Bounded, so a loop (which linking never makes)
    /// could not hang it.
    fn is_ancestor_or_self(&self, ancestor: usize, c: usize) -> bool {
        let mut current = Some(c);
        for _ in 0..=self.parent.len() {
            match current {
                Some(x) if x == ancestor => return true,
                Some(x) => current = self.parent_of(x),
                None => return false,
            }
        }
        true
    }

    /// Root container and depth of every container, memoised.
    fn roots_and_depths(&self) -> Vec<(usize, usize)> {
        let n = self.parent.len();
        let mut memo: Vec<Option<(usize, usize)>> = vec![None; n];
        for start in 0..n {
            let mut path = Vec::new();
            let mut current = start;
            let base = loop {
                if let Some(known) = memo.get(current).copied().flatten() {
                    break known;
                }
                if path.len() > n {
                    // Unreachable (links never loop), but stay total: treat as a root.
                    break (current, 0);
                }
                path.push(current);
                match self.parent_of(current) {
                    Some(p) => current = p,
                    None => {
                        path.pop();
                        if let Some(slot) = memo.get_mut(current) {
                            *slot = Some((current, 0));
                        }
                        break (current, 0);
                    }
                }
            };
            let (root, mut depth) = base;
            for &c in path.iter().rev() {
                depth += 1;
                if let Some(slot) = memo.get_mut(c) {
                    *slot = Some((root, depth));
                }
            }
        }
        memo.into_iter()
            .enumerate()
            .map(|(c, m)| m.unwrap_or((c, 0)))
            .collect()
    }

    /// The trees (one per root holding at least one message), with what the subject fallback
    /// needs to know about each.
    fn trees(&self, messages: &[ThreadInput], order: &[usize]) -> Vec<Tree> {
        let placement = self.roots_and_depths();
        let mut rank = vec![0usize; messages.len()];
        for (r, &i) in order.iter().enumerate() {
            if let Some(slot) = rank.get_mut(i) {
                *slot = r;
            }
        }
        let mut by_root: HashMap<usize, Tree> = HashMap::new();
        for &i in order {
            let (Some(m), Some(&container)) = (messages.get(i), self.container_of.get(i)) else {
                continue;
            };
            let (root, depth) = placement.get(container).copied().unwrap_or((container, 0));
            let key = (depth, rank.get(i).copied().unwrap_or(usize::MAX));
            let tree = by_root.entry(root).or_insert_with(|| Tree {
                rep_key: key,
                ..Tree::default()
            });
            tree.add(i, m, key);
        }
        let mut trees: Vec<Tree> = by_root.into_values().collect();
        trees.sort_by_key(|t| t.rep_key.1);
        trees
    }
}

/// One JWZ tree: a conversation found through ids.
#[derive(Debug, Default)]
struct Tree {
    members: Vec<usize>,
    /// (depth, canonical rank) of the representative: the topmost, earliest message.
    rep_key: (usize, usize),
    subject: String,
    senders: BTreeSet<String>,
    participants: BTreeSet<String>,
    first_date: Option<i64>,
    last_date: Option<i64>,
}

impl Tree {
    fn add(&mut self, index: usize, m: &ThreadInput, key: (usize, usize)) {
        if self.members.is_empty() || key <= self.rep_key {
            self.rep_key = key;
            self.subject.clone_from(&m.subject);
        }
        self.members.push(index);
        if let Some(from) = m.from.as_deref().map(|f| f.trim().to_lowercase())
            && !from.is_empty()
        {
            self.senders.insert(from.clone());
            self.participants.insert(from);
        }
        for p in &m.participants {
            let p = p.trim().to_lowercase();
            if !p.is_empty() {
                self.participants.insert(p);
            }
        }
        if let Some(d) = m.date {
            self.first_date = Some(self.first_date.map_or(d, |f| f.min(d)));
            self.last_date = Some(self.last_date.map_or(d, |l| l.max(d)));
        }
    }

    fn dates(&self) -> (Option<i64>, Option<i64>) {
        (self.first_date, self.last_date)
    }

    /// Whether this tree (a reply) may join `other` by subject.
    fn may_join(&self, other: &Tree) -> bool {
        let shared = self.senders.iter().any(|s| other.participants.contains(s))
            || other.senders.iter().any(|s| self.participants.contains(s));
        shared && within_window(self.dates(), other.dates())
    }

    fn absorb(&mut self, other: Tree) {
        self.members.extend(other.members);
        self.senders.extend(other.senders);
        self.participants.extend(other.participants);
        for d in [other.first_date, other.last_date].into_iter().flatten() {
            self.first_date = Some(self.first_date.map_or(d, |f| f.min(d)));
            self.last_date = Some(self.last_date.map_or(d, |l| l.max(d)));
        }
    }
}

/// The guarded subject fallback. Trees whose representative is not a reply form stay
/// conversations of their own (two "hello" threads never merge); then each reply-form tree,
/// in canonical order, joins the nearest-in-time conversation with the same base subject
/// that it may join, or starts its own. Joining widens the conversation's participants and
/// dates, so a later reply can join through an earlier one.
fn merge_by_subject(trees: Vec<Tree>) -> Vec<Vec<usize>> {
    let mut groups: Vec<Tree> = Vec::new();
    // Base subject → positions in `groups`, so a reply only looks at its own subject.
    let mut by_subject: HashMap<String, Vec<usize>> = HashMap::new();
    let mut replies: Vec<(String, Tree)> = Vec::new();
    for tree in trees {
        let base = normalize_subject(&tree.subject);
        if is_reply_or_forward(&tree.subject) && !base.is_empty() {
            replies.push((base, tree));
        } else {
            if !base.is_empty() {
                by_subject.entry(base).or_default().push(groups.len());
            }
            groups.push(tree);
        }
    }
    for (base, reply) in replies {
        let candidates = by_subject.entry(base).or_default();
        let best = candidates
            .iter()
            .filter_map(|&position| Some((position, groups.get(position)?)))
            .filter(|(_, group)| reply.may_join(group))
            .min_by_key(|(position, group)| (gap(reply.dates(), group.dates()), *position))
            .map(|(position, _)| position);
        match best.and_then(|p| groups.get_mut(p)) {
            Some(group) => group.absorb(reply),
            None => {
                candidates.push(groups.len());
                groups.push(reply);
            }
        }
    }
    groups.into_iter().map(|t| t.members).collect()
}

/// Seconds between two date ranges (0 when they overlap or a date is unknown).
fn gap(a: (Option<i64>, Option<i64>), b: (Option<i64>, Option<i64>)) -> i64 {
    match (a, b) {
        ((Some(a_first), Some(a_last)), (Some(b_first), Some(b_last))) => {
            if a_last < b_first {
                b_first.saturating_sub(a_last)
            } else if b_last < a_first {
                a_first.saturating_sub(b_last)
            } else {
                0
            }
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    #[test]
    fn guard_needs_reply_form_known_sender_and_nearby_date() {
        let people = vec!["alice@x".to_string(), "bob@x".to_string()];
        let t = 1_700_000_000;
        assert!(subject_fallback_allowed(
            "Re: hello",
            Some("Bob@X"),
            Some(t),
            &people,
            Some(t)
        ));
        assert!(!subject_fallback_allowed(
            "hello",
            Some("bob@x"),
            Some(t),
            &people,
            Some(t)
        ));
        assert!(!subject_fallback_allowed(
            "Re: hello",
            Some("carol@x"),
            Some(t),
            &people,
            Some(t)
        ));
        assert!(!subject_fallback_allowed(
            "Re: hello",
            None,
            Some(t),
            &people,
            Some(t)
        ));
        assert!(!subject_fallback_allowed(
            "Re: hello",
            Some("bob@x"),
            Some(t + 61 * DAY),
            &people,
            Some(t)
        ));
        assert!(subject_fallback_allowed(
            "Re: hello",
            Some("bob@x"),
            None,
            &people,
            Some(t)
        ));
        assert!(subject_fallback_allowed(
            "Fwd: hello",
            Some("bob@x"),
            Some(t - 59 * DAY),
            &people,
            Some(t)
        ));
        assert!(!subject_fallback_allowed(
            "Re:",
            Some("bob@x"),
            Some(t),
            &people,
            Some(t)
        ));
    }

    #[test]
    fn window_and_gap_agree() {
        let r = |a: i64, b: i64| (Some(a), Some(b));
        assert_eq!(gap(r(0, 10), r(5, 20)), 0);
        assert_eq!(gap(r(0, 10), r(30, 40)), 20);
        assert_eq!(gap(r(30, 40), r(0, 10)), 20);
        assert!(within_window(r(0, 0), r(60 * DAY, 60 * DAY)));
        assert!(!within_window(r(0, 0), r(60 * DAY + 1, 70 * DAY)));
        assert!(within_window((None, None), r(0, 0)));
    }
}
