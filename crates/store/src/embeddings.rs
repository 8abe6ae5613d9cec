//! Semantic search's tables (see migration 0009): messages waiting to be embedded, and their
//! chunks with vectors. The bits of each vector go to a sqlite-vec `vec0` table per size,
//! `chunk_bits_<dimensions>` (made by [`ensure_bits`]), for a fast first pass; the caller
//! rescores those candidates with the full vectors.

use rusqlite::{Connection, OptionalExtension as _, params};

use crate::StoreError;
use crate::search::Pending;

fn err(context: &'static str) -> impl Fn(rusqlite::Error) -> StoreError {
    move |e| StoreError::from_sqlite(e, context)
}

fn bits_table(dimensions: usize) -> String {
    format!("chunk_bits_{dimensions}")
}

/// Makes the bit-vector table for `dimensions` (a multiple of 8) if it is not there.
pub fn ensure_bits(conn: &Connection, dimensions: usize) -> Result<(), StoreError> {
    conn.execute_batch(&format!(
        "CREATE VIRTUAL TABLE IF NOT EXISTS {} USING vec0(embedding bit[{dimensions}])",
        bits_table(dimensions)
    ))
    .map_err(err("Cannot create the vector table"))
}

/// Forgets every vector (the model or size changed) and marks every message again.
pub fn reset(conn: &Connection, old_dimensions: Option<usize>) -> Result<(), StoreError> {
    if let Some(d) = old_dimensions {
        conn.execute_batch(&format!("DROP TABLE IF EXISTS {}", bits_table(d)))
            .map_err(err("Cannot drop the vector table"))?;
    }
    conn.execute("DELETE FROM chunks", [])
        .map_err(err("Cannot clear the chunks"))?;
    conn.execute(
        "INSERT INTO embed_pending (message) SELECT id FROM messages WHERE true
         ON CONFLICT (message) DO UPDATE SET version = version + 1",
        [],
    )
    .map_err(err("Cannot mark the messages for embedding"))?;
    Ok(())
}

/// Marks a message just stored, if semantic search is on: what the dropped
/// `messages_embed_insert` trigger did (migration 0018), in the insert's transaction.
/// While it is off (the default) that costs one lookup of the setting.
pub fn mark_new(conn: &Connection, message: i64) -> Result<(), StoreError> {
    let on = conn
        .prepare_cached("SELECT value = 'on' FROM settings WHERE key = 'search.embeddings'")
        .and_then(|mut s| s.query_row([], |r| r.get::<_, bool>(0)).optional())
        .map_err(err("Cannot read whether semantic search is on"))?
        .unwrap_or(false);
    if !on {
        return Ok(());
    }
    crate::insert_or_update(
        conn,
        "INSERT OR IGNORE INTO embed_pending (message) VALUES (?1)",
        "UPDATE embed_pending SET version = version + 1 WHERE message = ?1",
        [message],
    )
    .map_err(err("Cannot mark a message for embedding"))
}

/// Marks what changed while semantic search was off (its marks are only made while it is on):
/// messages without chunks, and chunks of messages that are gone.
pub fn mark_missed(conn: &Connection) -> Result<u64, StoreError> {
    let mut marked = 0usize;
    for sql in [
        "INSERT INTO embed_pending (message)
         SELECT id FROM messages WHERE id NOT IN (SELECT message FROM chunks) AND true
         ON CONFLICT (message) DO UPDATE SET version = version + 1",
        "INSERT INTO embed_pending (message)
         SELECT DISTINCT message FROM chunks WHERE message NOT IN (SELECT id FROM messages) AND true
         ON CONFLICT (message) DO UPDATE SET version = version + 1",
    ] {
        marked += conn
            .execute(sql, [])
            .map_err(err("Cannot mark the messages for embedding"))?;
    }
    Ok(u64::try_from(marked).unwrap_or(0))
}

/// Up to `limit` messages waiting to be embedded, newest first.
pub fn pending(conn: &Connection, limit: usize) -> Result<Vec<Pending>, StoreError> {
    crate::search::queue(
        conn,
        "SELECT message, version FROM embed_pending ORDER BY message DESC LIMIT ?1",
        limit,
    )
}

/// How many messages wait to be embedded.
pub fn pending_count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT count(*) FROM embed_pending", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| u64::try_from(n).unwrap_or(0))
    .map_err(err("Cannot count the embedding queue"))
}

/// How many chunks have vectors.
pub fn chunk_count(conn: &Connection) -> Result<u64, StoreError> {
    conn.query_row("SELECT count(*) FROM chunks", [], |r| r.get::<_, i64>(0))
        .map(|n| u64::try_from(n).unwrap_or(0))
        .map_err(err("Cannot count the chunks"))
}

/// Replaces message `message`'s chunks with `chunks` (text and vector; none when the message
/// is gone) and clears its mark if still at `version` — one call per message, inside the
/// caller's transaction.
pub fn store(
    conn: &Connection,
    dimensions: usize,
    pending: Pending,
    chunks: &[(String, Vec<f32>)],
) -> Result<(), StoreError> {
    let table = bits_table(dimensions);
    conn.execute(
        &format!("DELETE FROM {table} WHERE rowid IN (SELECT id FROM chunks WHERE message = ?1)"),
        [pending.message],
    )
    .map_err(err("Cannot remove old vectors"))?;
    conn.execute("DELETE FROM chunks WHERE message = ?1", [pending.message])
        .map_err(err("Cannot remove old chunks"))?;
    let mut insert = conn
        .prepare_cached(
            "INSERT INTO chunks (message, ordinal, text, vector) VALUES (?1, ?2, ?3, ?4)",
        )
        .map_err(err("Cannot store a chunk"))?;
    let mut bits = conn
        .prepare_cached(&format!(
            "INSERT INTO {table} (rowid, embedding) VALUES (?1, vec_quantize_binary(?2))"
        ))
        .map_err(err("Cannot store a vector"))?;
    for (ordinal, (text, vector)) in chunks.iter().enumerate() {
        let blob = to_blob(vector);
        insert
            .execute(params![
                pending.message,
                i64::try_from(ordinal).unwrap_or(0),
                text,
                blob
            ])
            .map_err(err("Cannot store a chunk"))?;
        let id = conn.last_insert_rowid();
        bits.execute(params![id, blob])
            .map_err(err("Cannot store a vector"))?;
    }
    conn.execute(
        "DELETE FROM embed_pending WHERE message = ?1 AND version = ?2",
        params![pending.message, pending.version],
    )
    .map_err(err("Cannot update the embedding queue"))?;
    Ok(())
}

/// A chunk close to the query vector.
#[derive(Debug, Clone, PartialEq)]
pub struct Near {
    /// The chunk's message.
    pub message: i64,
    /// Its text.
    pub text: String,
    /// Its full vector.
    pub vector: Vec<f32>,
}

/// The `k` chunks whose bits are nearest (Hamming distance) to `query`'s, with their full
/// vectors for rescoring.
pub fn nearest(
    conn: &Connection,
    dimensions: usize,
    query: &[f32],
    k: usize,
) -> Result<Vec<Near>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT c.message, c.text, c.vector FROM (
                 SELECT rowid, distance FROM {} WHERE embedding MATCH vec_quantize_binary(?1)
                 AND k = ?2) AS n JOIN chunks AS c ON c.id = n.rowid ORDER BY n.distance",
            bits_table(dimensions)
        ))
        .map_err(err("Cannot search the vectors"))?;
    let rows = stmt
        .query_map(
            params![to_blob(query), i64::try_from(k).unwrap_or(100)],
            |r| {
                Ok(Near {
                    message: r.get(0)?,
                    text: r.get(1)?,
                    vector: from_blob(&r.get::<_, Vec<u8>>(2)?),
                })
            },
        )
        .map_err(err("Cannot search the vectors"))?;
    rows.collect::<Result<_, _>>()
        .map_err(err("Cannot search the vectors"))
}

/// A vector as sqlite-vec reads it: little-endian f32.
pub fn to_blob(vector: &[f32]) -> Vec<u8> {
    vector.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The vector of a blob written by [`to_blob`].
pub fn from_blob(blob: &[u8]) -> Vec<f32> {
    blob.chunks_exact(4)
        .filter_map(|b| <[u8; 4]>::try_from(b).ok())
        .map(f32::from_le_bytes)
        .collect()
}
