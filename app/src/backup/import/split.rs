//! The quick way through a backup's time entries.
//!
//! serde_json reading a stream takes a byte at a time and copies every
//! string; reading a slice it scans and borrows, and tracking the path of
//! every value costs as much again. The splitter hands the document to
//! serde as a stream ([`Outer`]) but stops at the top-level
//! `time_entries` array, whose elements the reader then takes one slice at
//! a time ([`Splitter::next_element`]). Whatever the splitter does not
//! recognise flows through to serde unchanged, so a file it misreads still
//! gets serde's answer.

use std::cell::RefCell;
use std::io::{self, Read};
use std::ops::Range;

const CHUNK: usize = 256 << 10;

/// A place in the file as serde_json counts it: lines from 1, and the
/// bytes read on the line so far.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    fn advance(&mut self, bytes: &[u8]) {
        match memchr::memrchr(b'\n', bytes) {
            Some(last) => {
                self.line += memchr::memchr_iter(b'\n', bytes).count();
                self.column = bytes.len() - last - 1;
            }
            None => self.column += bytes.len(),
        }
    }
}

/// Why the elements could not be taken apart.
#[derive(Debug)]
pub enum Failure {
    Io(io::Error),
    /// The file ended inside the array, between elements.
    Eof(Pos),
    /// What serde_json would call it, and where.
    Syntax(&'static str, Pos),
    /// The file ended inside element `n`. Its bytes are `buf()[range]`,
    /// from `at`, for serde to say what is wrong with them.
    Unfinished {
        n: usize,
        range: Range<usize>,
        at: Pos,
    },
}

/// Where the outer scanner is within the top-level object.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Top {
    /// A key may come next.
    Key,
    /// After a key, before its colon.
    Colon,
    /// After the colon, before the value.
    Value,
    /// Inside or after a value.
    After,
}

enum Mode {
    /// Bytes go to serde.
    Outer,
    /// Inside the entries array: the reader takes the elements.
    Elements { seen: usize },
}

pub struct Splitter<R> {
    src: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    /// The position of `buf[start]` in the file.
    real: Pos,
    /// The position serde_json has reached in what it was given.
    outer: Pos,
    mode: Mode,
    depth: usize,
    in_str: bool,
    escaped: bool,
    top: Top,
    top_is_object: bool,
    /// The raw bytes of the key being read at depth 1, quotes included.
    key: Vec<u8>,
    entries_key: bool,
    /// Serde's position just after the array's `[`, and the file's just
    /// before its `]`: errors serde reports past the array are moved by
    /// the elements it never saw.
    spliced: Option<(Pos, Option<Pos>)>,
}

impl<R: Read> Splitter<R> {
    pub fn new(src: R) -> Self {
        Splitter {
            src,
            buf: vec![0; CHUNK],
            start: 0,
            end: 0,
            eof: false,
            real: Pos { line: 1, column: 0 },
            outer: Pos { line: 1, column: 0 },
            mode: Mode::Outer,
            depth: 0,
            in_str: false,
            escaped: false,
            top: Top::After,
            top_is_object: false,
            key: Vec::new(),
            entries_key: false,
            spliced: None,
        }
    }

    /// Reads more, keeping `buf[start..end]` (moved to the front).
    /// `false` at the end of the file.
    fn fill(&mut self) -> io::Result<bool> {
        if self.eof {
            return Ok(false);
        }
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        // Give back what a giant element took.
        if self.buf.len() > 4 * CHUNK && self.end < CHUNK {
            self.buf.truncate(2 * CHUNK);
            self.buf.shrink_to_fit();
        }
        if self.end + CHUNK / 4 > self.buf.len() {
            self.buf.resize(self.buf.len() + CHUNK, 0);
        }
        loop {
            match self.src.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(false);
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Steps the outer scanner over one byte; `true` when it was the `[`
    /// that opens the top-level `time_entries` array.
    fn step(&mut self, b: u8) -> bool {
        let top_level = self.depth == 1 && self.top_is_object;
        if self.in_str {
            if top_level && self.top == Top::Key && self.key.len() <= 64 {
                self.key.push(b);
            }
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_str = false;
                if top_level && self.top == Top::Key {
                    self.top = Top::Colon;
                    self.entries_key = is_entries_key(&self.key);
                }
            }
            return false;
        }
        if top_level {
            match (self.top, b) {
                (_, b' ' | b'\t' | b'\n' | b'\r') => return false,
                (Top::Key, b'"') => {
                    self.key.clear();
                    self.key.push(b);
                    self.in_str = true;
                    return false;
                }
                (Top::Colon, b':') => {
                    self.top = Top::Value;
                    return false;
                }
                (_, b',') => {
                    self.top = Top::Key;
                    self.entries_key = false;
                    return false;
                }
                (Top::Value, b'[') if self.entries_key => {
                    self.top = Top::After;
                    self.depth += 1;
                    return true;
                }
                (Top::Value, _) => self.top = Top::After,
                _ => {}
            }
        }
        match b {
            b'"' => self.in_str = true,
            b'{' | b'[' => {
                if self.depth == 0 {
                    self.top_is_object = b == b'{';
                    self.top = Top::Key;
                }
                self.depth += 1;
            }
            b'}' | b']' => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        false
    }

    /// Serde's read: the document up to and including the entries' `[`,
    /// and after their last element on.
    fn read_outer(&mut self, out: &mut [u8]) -> io::Result<usize> {
        // Serde reading inside the array means the reader did not take the
        // elements: they flow through like the rest.
        self.mode = Mode::Outer;
        if self.start == self.end && !self.fill()? {
            return Ok(0);
        }
        let n = out.len().min(self.end - self.start);
        let mut k = 0;
        let mut opened = false;
        while k < n {
            let b = self.buf[self.start + k];
            k += 1;
            if self.step(b) {
                opened = true;
                break;
            }
        }
        let bytes = &self.buf[self.start..self.start + k];
        out[..k].copy_from_slice(bytes);
        self.real.advance(bytes);
        self.outer.advance(bytes);
        self.start += k;
        if opened {
            self.mode = Mode::Elements { seen: 0 };
            // Serde may read on past an error to a second `time_entries`,
            // which it never parses: positions stay with the first.
            if !matches!(self.spliced, Some((_, Some(_)))) {
                self.spliced = Some((self.outer, None));
            }
        }
        Ok(k)
    }

    /// Whether the reader may take the elements now.
    pub fn in_elements(&self) -> bool {
        matches!(self.mode, Mode::Elements { .. })
    }

    /// The next byte that is not JSON whitespace, not consumed.
    fn peek_non_ws(&mut self) -> Result<Option<u8>, Failure> {
        loop {
            while self.start < self.end {
                let b = self.buf[self.start];
                if !matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                    return Ok(Some(b));
                }
                self.real.advance(&[b]);
                self.start += 1;
            }
            if !self.fill().map_err(Failure::Io)? {
                return Ok(None);
            }
        }
    }

    /// The next element's bytes (`buf()[range]`) and where it starts, or
    /// `None` at the array's `]`, which is left for serde.
    pub fn next_element(&mut self) -> Result<Option<(Range<usize>, Pos)>, Failure> {
        let Mode::Elements { seen } = self.mode else {
            return Ok(None);
        };
        let eof = |s: &Self| Failure::Eof(s.real);
        let mut b = self.peek_non_ws()?.ok_or_else(|| eof(self))?;
        if seen > 0 {
            match b {
                b',' => {
                    self.real.advance(&[b]);
                    self.start += 1;
                    b = self.peek_non_ws()?.ok_or_else(|| eof(self))?;
                    if b == b']' {
                        let mut at = self.real;
                        at.advance(&[b]);
                        return Err(Failure::Syntax("trailing comma", at));
                    }
                }
                b']' => return Ok(self.close()),
                _ => {
                    let mut at = self.real;
                    at.advance(&[b]);
                    return Err(Failure::Syntax("expected `,` or `]`", at));
                }
            }
        } else if b == b']' && seen == 0 {
            return Ok(self.close());
        }
        // The element: a balanced value, or a scalar up to a separator.
        let mut depth = 0usize;
        let mut in_str = false;
        let mut escaped = false;
        let mut off = 0usize;
        let len = loop {
            if self.start + off == self.end {
                // An element as large as the file may be (the upload limit
                // bounds it): serde reading a stream would hold it whole
                // too, as a string.
                if !self.fill().map_err(Failure::Io)? {
                    if depth == 0 && !in_str {
                        break off;
                    }
                    return Err(Failure::Unfinished {
                        n: seen,
                        range: self.start..self.end,
                        at: self.real,
                    });
                }
                continue;
            }
            if in_str {
                // Straight to the next quote or backslash.
                let rest = &self.buf[self.start + off..self.end];
                if escaped {
                    escaped = false;
                    off += 1;
                    continue;
                }
                match memchr::memchr2(b'"', b'\\', rest) {
                    None => off += rest.len(),
                    Some(i) => {
                        off += i + 1;
                        if rest[i] == b'\\' {
                            escaped = true;
                        } else {
                            in_str = false;
                            if depth == 0 {
                                break off;
                            }
                        }
                    }
                }
                continue;
            }
            let c = self.buf[self.start + off];
            match c {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => break off,
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        off += 1;
                        break off;
                    }
                }
                b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => break off,
                _ => {}
            }
            off += 1;
        };
        let at = self.real;
        let range = self.start..self.start + len;
        self.real.advance(&self.buf[range.clone()]);
        self.start += len;
        self.mode = Mode::Elements { seen: seen + 1 };
        if len == 0 {
            // Nothing before a separator (`[,`): serde's words for it.
            let mut at = at;
            at.advance(&self.buf[self.start..(self.start + 1).min(self.end)]);
            return Err(Failure::Syntax("expected value", at));
        }
        Ok(Some((range, at)))
    }

    fn close(&mut self) -> Option<(Range<usize>, Pos)> {
        self.mode = Mode::Outer;
        if let Some((outer, _)) = self.spliced {
            self.spliced = Some((outer, Some(self.real)));
        }
        None
    }

    pub fn buf(&self) -> &[u8] {
        &self.buf
    }

    /// An element's bytes and the byte that ended it, if any.
    pub fn with_next(&self, range: Range<usize>) -> &[u8] {
        &self.buf[range.start..(range.end + 1).min(self.end)]
    }

    /// A position serde reported, in the file: past the array, moved by
    /// the elements serde never saw.
    pub fn remap(&self, line: usize, column: usize) -> (usize, usize) {
        match self.spliced {
            Some((o, Some(r))) if line > o.line => (line - o.line + r.line, column),
            Some((o, Some(r))) if line == o.line && column >= o.column => {
                (r.line, r.column + column - o.column)
            }
            _ => (line, column),
        }
    }
}

/// Is this key (quotes included, maybe escaped) `time_entries`?
fn is_entries_key(raw: &[u8]) -> bool {
    if raw == b"\"time_entries\"" {
        return true;
    }
    raw.contains(&b'\\')
        && raw.len() <= 65
        && serde_json::from_slice::<String>(raw).is_ok_and(|k| k == "time_entries")
}

/// What serde_json reads: the document without the entries' elements.
pub struct Outer<'a, R>(pub &'a RefCell<Splitter<R>>);

impl<R: Read> Read for Outer<'_, R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        self.0.borrow_mut().read_outer(out)
    }
}
