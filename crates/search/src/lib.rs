//! Search over the user's mail: the query language ([`query`]) and the full-text index
//! ([`index`]), a tantivy index derived from the store. The core feeds it and asks it; nothing
//! here reads the store or the network.

pub mod index;
pub mod query;

pub use index::{
    Found, Hit, IndexError, MessageDoc, Opened, Ranked, SearchIndex, Snippet, Writer,
    group_by_thread,
};
pub use query::{Filter, Node, ParseOptions, QueryError, TextField, parse};
