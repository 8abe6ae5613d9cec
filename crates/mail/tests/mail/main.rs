//! orbit-mail's integration tests (one binary): the shared MIME corpus, truncation and
//! byte-flip robustness, hand-made parsing cases, and the threading table.

// Test helpers index freely: a panic here is a test failure, which is what we want.
#![allow(clippy::indexing_slicing)]

mod corpus;
mod parsing;
mod threading;

/// A tiny deterministic generator (Knuth's MMIX LCG) so fuzz-ish runs and shuffles repeat.
#[derive(Debug)]
pub struct Lcg(u64);

impl Lcg {
    pub fn new(seed: u64) -> Lcg {
        Lcg(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 11
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i + 1);
            items.swap(i, j);
        }
    }
}
