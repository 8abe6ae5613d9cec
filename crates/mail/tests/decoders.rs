//! The MIME body decoders in our patched mail-parser (vendor/mail-parser) against upstream's
//! byte-at-a-time originals, copied here verbatim as the reference: on many generated bodies
//! (valid, damaged, with and without boundaries, CRLF and LF) both must give the same bytes,
//! the same end offset, and leave the stream at the same place.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]

use std::borrow::Cow;

use mail_parser::decoders::base64::BASE64_MAP;
use mail_parser::decoders::quoted_printable::HEX_MAP;
use mail_parser::parsers::MessageStream;

/// Upstream mail-parser 0.11.9 `MessageStream::decode_base64_mime`.
fn reference_base64<'x>(s: &mut MessageStream<'x>, boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    let mut chunk: u32 = 0;
    let mut byte_count: u8 = 0;

    let mut buf = Vec::with_capacity(s.remaining() / 4 * 3);
    let mut last_ch = b'\n';
    let mut before_last_ch = 0;
    let mut end_pos = s.offset();

    s.checkpoint();

    while let Some(&ch) = s.next() {
        let val = BASE64_MAP[byte_count as usize][ch as usize];

        if val < 0x01ffffff {
            byte_count = (byte_count + 1) & 3;

            if byte_count == 1 {
                chunk = val;
            } else {
                chunk |= val;

                if byte_count == 0 {
                    buf.extend_from_slice(&chunk.to_le_bytes()[0..3]);
                }
            }
        } else {
            match ch {
                b'=' => match byte_count {
                    1 | 2 => {
                        buf.push(chunk.to_le_bytes()[0]);
                        byte_count = 0;
                    }
                    3 => {
                        buf.extend_from_slice(&chunk.to_le_bytes()[0..2]);
                        byte_count = 0;
                    }
                    0 => (),
                    _ => {
                        s.restore();
                        return (usize::MAX, b""[..].into());
                    }
                },
                b'\n' => {
                    end_pos = if last_ch == b'\r' {
                        s.offset() - 2
                    } else {
                        s.offset() - 1
                    }
                }
                b' ' | b'\t' | b'\r' => (),
                b'-' => {
                    if last_ch == b'-' {
                        return if !boundary.is_empty() && s.try_skip(boundary) {
                            buf.shrink_to_fit();
                            (
                                if before_last_ch == b'\n' {
                                    end_pos
                                } else {
                                    s.offset() - boundary.len() - 2
                                },
                                buf.into(),
                            )
                        } else {
                            s.restore();
                            (usize::MAX, b""[..].into())
                        };
                    }
                }
                _ => {
                    s.restore();
                    return (usize::MAX, b""[..].into());
                }
            }
        }

        before_last_ch = last_ch;
        last_ch = ch;
    }

    buf.shrink_to_fit();
    (
        if boundary.is_empty() {
            s.offset()
        } else {
            s.restore();
            usize::MAX
        },
        buf.into(),
    )
}

#[derive(PartialEq, Debug)]
enum QpState {
    None,
    Eq,
    Hex1,
}

/// Upstream mail-parser 0.11.9 `ours_qp`.
fn reference_qp<'x>(s: &mut MessageStream<'x>, boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    let mut buf = Vec::with_capacity(128);

    let mut state = QpState::None;
    let mut hex1 = 0;
    let mut last_ch = 0;
    let mut before_last_ch = 0;
    let mut ws_count = 0;
    let mut end_pos = s.offset();
    let mut crlf = b"\n".as_ref();

    s.checkpoint();

    while let Some(&ch) = s.next() {
        match ch {
            b'=' => {
                if let QpState::None = state {
                    state = QpState::Eq
                } else {
                    s.restore();
                    return (usize::MAX, b""[..].into());
                }
            }
            b'\n' => {
                end_pos = if last_ch == b'\r' {
                    s.offset() - 2
                } else {
                    s.offset() - 1
                };
                if QpState::Eq == state {
                    state = QpState::None;
                } else {
                    if ws_count > 0 {
                        buf.truncate(buf.len() - ws_count);
                    }
                    buf.extend_from_slice(crlf);
                }
                ws_count = 0;
            }
            b'\r' => {
                crlf = b"\r\n".as_ref();
            }
            b'-' if !boundary.is_empty() && last_ch == b'-' && s.try_skip(boundary) => {
                if before_last_ch == b'\n' {
                    buf.truncate(buf.len() - (crlf.len() + 1));
                } else {
                    buf.truncate(buf.len() - 1);
                    end_pos = s.offset() - boundary.len() - 2;
                }

                return (end_pos, buf.into());
            }
            _ => match state {
                QpState::None => {
                    if ch.is_ascii_whitespace() {
                        ws_count += 1;
                    } else {
                        ws_count = 0;
                    }
                    buf.push(ch);
                }
                QpState::Eq => {
                    hex1 = HEX_MAP[ch as usize];
                    if hex1 != -1 {
                        state = QpState::Hex1;
                    } else if !ch.is_ascii_whitespace() {
                        state = QpState::None;
                        buf.push(b'=');
                        buf.push(ch);
                        ws_count = 0;
                    }
                }
                QpState::Hex1 => {
                    let hex2 = HEX_MAP[ch as usize];

                    state = QpState::None;
                    if hex2 != -1 {
                        buf.push(((hex1 as u8) << 4) | hex2 as u8);
                        ws_count = 0;
                    } else {
                        buf.push(b'=');
                        buf.push(last_ch);
                        buf.push(ch);
                        ws_count = 0;
                    }
                }
            },
        }

        before_last_ch = last_ch;
        last_ch = ch;
    }

    (
        if boundary.is_empty() {
            s.offset()
        } else {
            s.restore();
            usize::MAX
        },
        buf.into(),
    )
}

/// A small deterministic generator (xorshift64*), so a failure names a reproducible case.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap()
    }

    fn pick<'a>(&mut self, items: &[&'a [u8]]) -> &'a [u8] {
        items[self.below(items.len())]
    }
}

const BOUNDARY: &[u8] = b"=_orbit_b";

/// A body made of pieces a real part has (and pieces a damaged one has), ending with the
/// closing boundary most of the time.
fn body(rng: &mut Rng, pieces: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    // Sometimes the part starts mid-stream: a prefix the decoder must not read.
    let prefix = rng.below(3);
    out.extend(std::iter::repeat_n(b'x', prefix));
    for _ in 0..rng.below(40) {
        out.extend_from_slice(rng.pick(pieces));
    }
    let crlf: &[u8] = if rng.below(2) == 0 { b"\r\n" } else { b"\n" };
    match rng.below(6) {
        0 => {}
        1 => {
            out.extend_from_slice(b"--");
            out.extend_from_slice(BOUNDARY);
        }
        2 => {
            out.extend_from_slice(b"--");
            out.extend_from_slice(&BOUNDARY[..4]);
        }
        _ => {
            out.extend_from_slice(crlf);
            out.extend_from_slice(b"--");
            out.extend_from_slice(BOUNDARY);
            out.extend_from_slice(if rng.below(2) == 0 { b"--" } else { crlf });
            out.extend_from_slice(b"Content-Type: text/plain\r\n\r\nnext part");
        }
    }
    out
}

fn ours_base64<'x>(s: &mut MessageStream<'x>, boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    s.decode_base64_mime(boundary)
}

fn ours_qp<'x>(s: &mut MessageStream<'x>, boundary: &[u8]) -> (usize, Cow<'x, [u8]>) {
    s.decode_quoted_printable_mime(boundary)
}

type Decoder = for<'x> fn(&mut MessageStream<'x>, &[u8]) -> (usize, Cow<'x, [u8]>);

/// Runs both decoders on `data` from `start` and compares everything they leave behind.
/// Returns whether there was a result to compare (false when both panicked).
fn same(data: &[u8], start: usize, boundary: &[u8], ours: Decoder, upstream: Decoder) -> bool {
    let mut a = MessageStream::new(data);
    let mut b = MessageStream::new(data);
    for _ in 0..start {
        a.next();
        b.next();
    }
    let context = || {
        format!(
            "input {:?} from {start}, boundary {:?}",
            String::from_utf8_lossy(data),
            String::from_utf8_lossy(boundary)
        )
    };
    // Upstream can underflow a length on some damaged input (a panic in debug builds, a
    // wrap in release): then ours must do the same.
    let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| ours(&mut a, boundary)));
    let want =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| upstream(&mut b, boundary)));
    let (got, want) = match (got, want) {
        (Ok(got), Ok(want)) => (got, want),
        (Err(_), Err(_)) => return false,
        (got, want) => panic!(
            "ours panicked: {}, upstream panicked: {}: {}",
            got.is_err(),
            want.is_err(),
            context()
        ),
    };
    assert_eq!(got, want, "{}", context());
    assert_eq!(a.offset(), b.offset(), "offset after: {}", context());
    assert_eq!(a.peek(), b.peek(), "next byte after: {}", context());
    assert_eq!(a.remaining(), b.remaining(), "{}", context());
    // Both were left with the same restore point.
    a.restore();
    b.restore();
    assert_eq!(a.offset(), b.offset(), "restore point: {}", context());
    true
}

fn check_many(seed: u64, pieces: &[&[u8]], ours: Decoder, upstream: Decoder) {
    let mut rng = Rng(seed);
    let mut compared = 0;
    for _ in 0..20_000 {
        let data = body(&mut rng, pieces);
        let start = rng.below(3).min(data.len());
        let boundary: &[u8] = match rng.below(3) {
            0 => b"",
            _ => BOUNDARY,
        };
        compared += usize::from(same(&data, start, boundary, ours, upstream));
    }
    assert!(
        compared > 19_000,
        "only {compared} of 20000 cases had results to compare"
    );
}

#[test]
fn base64_bodies_decode_exactly_as_upstream_does() {
    let pieces: &[&[u8]] = &[
        b"QUJD",
        b"SGVsbG8gd29ybGQh",
        b"TWFu",
        b"TWE=",
        b"TQ==",
        b"T",
        b"Q",
        b"UV",
        b"VWX",
        b"=",
        b"==",
        b"\r\n",
        b"\n",
        b"\r",
        b" ",
        b"\t",
        b"-",
        b"--",
        b"!",
        b"\xc3\xa9",
        b"+/+/",
        b"////AAAA",
        b"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5emFi\r\n",
        b"YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5emFi\n",
    ];
    check_many(0x0bd1_7a5e, pieces, ours_base64, reference_base64);
}

#[test]
fn quoted_printable_bodies_decode_exactly_as_upstream_does() {
    let pieces: &[&[u8]] = &[
        b"plain words",
        b"caf=C3=A9",
        b"=3D",
        b"=",
        b"==",
        b"=\r\n",
        b"=\n",
        b"=4",
        b"=4g",
        b"=zz",
        b"= ",
        b"\r\n",
        b"\n",
        b"\r",
        b" ",
        b"\t",
        b"   \t",
        b"\x0c",
        b"-",
        b"--",
        b"- -",
        b"a-b",
        b"\xe2\x82\xac",
        b"<p style=3D\"margin:0\">Hello</p>",
        b"line with trailing spaces   \r\n",
    ];
    check_many(0x9e37_79b9, pieces, ours_qp, reference_qp);
}

#[test]
fn real_bodies_decode_exactly_as_upstream_does() {
    // Whole parts as a mail client writes them, long enough to take the fast paths.
    let mut b64 = Vec::new();
    for i in 0..200u32 {
        let line: Vec<u8> = (0..57u32).map(|j| ((i * 57 + j) % 251) as u8).collect();
        b64.extend_from_slice(base64_line(&line).as_bytes());
        b64.extend_from_slice(b"\r\n");
    }
    b64.extend_from_slice(b"--=_orbit_b--\r\n");
    assert!(same(&b64, 0, BOUNDARY, ours_base64, reference_base64));
    assert!(same(&b64, 0, b"", ours_base64, reference_base64));

    let mut qp = Vec::new();
    for _ in 0..200 {
        qp.extend_from_slice(b"Caf=C3=A9 au lait, s'il vous pla=C3=AEt -- merci.  \r\n");
        qp.extend_from_slice(b"<td style=3D\"padding: 0 4px\">a long HTML line that wraps=\r\n");
    }
    qp.extend_from_slice(b"\r\n--=_orbit_b\r\n");
    assert!(same(&qp, 0, BOUNDARY, ours_qp, reference_qp));
    assert!(same(&qp, 0, b"", ours_qp, reference_qp));
}

fn base64_line(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}
