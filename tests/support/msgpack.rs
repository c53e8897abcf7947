//! Terraform values as they cross the plugin protocol: a `DynamicValue`'s
//! msgpack bytes. Terraform encodes an unknown value as the msgpack extension
//! type 0; every other value is plain msgpack (objects and maps as maps,
//! lists, sets and tuples as arrays). This module has its own small codec so
//! an unknown value decodes as [`Val::Unknown`] instead of an opaque extension.

use std::collections::BTreeMap;

use super::plugin_client::tfplugin6::schema::{nested_block::NestingMode, Block};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Unknown,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    List(Vec<Val>),
    Map(BTreeMap<String, Val>),
}

impl Val {
    pub fn str(s: &str) -> Val {
        Val::Str(s.to_owned())
    }

    pub fn strs(items: &[&str]) -> Val {
        Val::List(items.iter().map(|s| Val::str(s)).collect())
    }

    pub fn map<'a>(entries: impl IntoIterator<Item = (&'a str, Val)>) -> Val {
        Val::Map(
            entries
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        )
    }

    /// The attribute `key` of an object (None when this is not an object or
    /// has no such attribute).
    pub fn get(&self, key: &str) -> Option<&Val> {
        match self {
            Val::Map(m) => m.get(key),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        encode_into(self, &mut out);
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Val, String> {
        let mut reader = Reader { bytes, pos: 0 };
        let value = reader.value()?;
        if reader.pos != bytes.len() {
            return Err(format!(
                "{} trailing bytes after the msgpack value",
                bytes.len() - reader.pos
            ));
        }
        Ok(value)
    }
}

fn encode_len(out: &mut Vec<u8>, len: usize, fix: (u8, usize), m16: u8, m32: u8) {
    if len < fix.1 {
        out.push(fix.0 | len as u8);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(m16);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(m32);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

fn encode_str(s: &str, out: &mut Vec<u8>) {
    let len = s.len();
    if len < 32 {
        out.push(0xa0 | len as u8);
    } else if let Ok(len) = u8::try_from(len) {
        out.extend_from_slice(&[0xd9, len]);
    } else if let Ok(len) = u16::try_from(len) {
        out.push(0xda);
        out.extend_from_slice(&len.to_be_bytes());
    } else {
        out.push(0xdb);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
    out.extend_from_slice(s.as_bytes());
}

fn encode_into(value: &Val, out: &mut Vec<u8>) {
    match value {
        Val::Null => out.push(0xc0),
        // fixext1, extension type 0, one zero byte: what Terraform sends.
        Val::Unknown => out.extend_from_slice(&[0xd4, 0x00, 0x00]),
        Val::Bool(b) => out.push(if *b { 0xc3 } else { 0xc2 }),
        Val::Int(i) if (0..=0x7f).contains(i) => out.push(*i as u8),
        Val::Int(i) if (-32..0).contains(i) => out.push(*i as i8 as u8),
        Val::Int(i) => {
            out.push(0xd3);
            out.extend_from_slice(&i.to_be_bytes());
        }
        Val::Float(f) => {
            out.push(0xcb);
            out.extend_from_slice(&f.to_be_bytes());
        }
        Val::Str(s) => encode_str(s, out),
        Val::List(items) => {
            encode_len(out, items.len(), (0x90, 16), 0xdc, 0xdd);
            for item in items {
                encode_into(item, out);
            }
        }
        Val::Map(entries) => {
            encode_len(out, entries.len(), (0x80, 16), 0xde, 0xdf);
            for (k, v) in entries {
                encode_str(k, out);
                encode_into(v, out);
            }
        }
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Result<&[u8], String> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|end| *end <= self.bytes.len())
            .ok_or_else(|| format!("msgpack value truncated at byte {}", self.pos))?;
        let slice = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(slice)
    }

    fn uint(&mut self, n: usize) -> Result<u64, String> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    fn int(&mut self, n: usize) -> Result<i64, String> {
        let raw = self.uint(n)?;
        let shift = 64 - 8 * n as u32;
        Ok(((raw << shift) as i64) >> shift)
    }

    fn string(&mut self, len: usize) -> Result<Val, String> {
        String::from_utf8(self.take(len)?.to_vec())
            .map(Val::Str)
            .map_err(|e| e.to_string())
    }

    fn list(&mut self, len: usize) -> Result<Val, String> {
        (0..len)
            .map(|_| self.value())
            .collect::<Result<_, _>>()
            .map(Val::List)
    }

    fn map(&mut self, len: usize) -> Result<Val, String> {
        let mut entries = BTreeMap::new();
        for _ in 0..len {
            let Val::Str(key) = self.value()? else {
                return Err("msgpack map key is not a string".to_owned());
            };
            entries.insert(key, self.value()?);
        }
        Ok(Val::Map(entries))
    }

    fn ext(&mut self, len: usize) -> Result<Val, String> {
        let ext_type = self.take(1)?[0];
        self.take(len)?;
        match ext_type {
            // 0: unknown value; 12: unknown value with refinements (Terraform >= 1.6).
            0 | 12 => Ok(Val::Unknown),
            other => Err(format!("unexpected msgpack extension type {other}")),
        }
    }

    fn value(&mut self) -> Result<Val, String> {
        let marker = self.take(1)?[0];
        match marker {
            0x00..=0x7f => Ok(Val::Int(i64::from(marker))),
            0x80..=0x8f => self.map(usize::from(marker & 0x0f)),
            0x90..=0x9f => self.list(usize::from(marker & 0x0f)),
            0xa0..=0xbf => self.string(usize::from(marker & 0x1f)),
            0xc0 => Ok(Val::Null),
            0xc2 => Ok(Val::Bool(false)),
            0xc3 => Ok(Val::Bool(true)),
            0xc4..=0xc6 => {
                let len = self.uint(1 << (marker - 0xc4))? as usize;
                self.string(len)
            }
            0xc7..=0xc9 => {
                let len = self.uint(1 << (marker - 0xc7))? as usize;
                self.ext(len)
            }
            0xca => Ok(Val::Float(f64::from(f32::from_bits(self.uint(4)? as u32)))),
            0xcb => Ok(Val::Float(f64::from_bits(self.uint(8)?))),
            0xcc..=0xcf => {
                let raw = self.uint(1 << (marker - 0xcc))?;
                Ok(i64::try_from(raw).map_or(Val::Float(raw as f64), Val::Int))
            }
            0xd0..=0xd3 => Ok(Val::Int(self.int(1 << (marker - 0xd0))?)),
            0xd4..=0xd8 => self.ext(1 << (marker - 0xd4)),
            0xd9..=0xdb => {
                let len = self.uint(1 << (marker - 0xd9))? as usize;
                self.string(len)
            }
            0xdc | 0xdd => {
                let len = self.uint(if marker == 0xdc { 2 } else { 4 })? as usize;
                self.list(len)
            }
            0xde | 0xdf => {
                let len = self.uint(if marker == 0xde { 2 } else { 4 })? as usize;
                self.map(len)
            }
            0xe0..=0xff => Ok(Val::Int(i64::from(marker as i8))),
            0xc1 => Err("msgpack marker 0xc1 is never used".to_owned()),
        }
    }
}

/// A complete configuration object for `block`, as Terraform builds it from
/// HCL: every attribute is present (null when `settings` does not set it);
/// a nested block of nesting GROUP is always an object; LIST and SET blocks
/// are lists (empty when absent); SINGLE blocks are an object or null; MAP
/// blocks a map. Nested blocks in `settings` are given in the same sparse
/// form (an object for GROUP and SINGLE, a list of objects for LIST and SET).
pub fn config_object(block: &Block, settings: &Val) -> Result<Val, String> {
    let mut object = BTreeMap::new();
    let mut unused: BTreeMap<&str, &Val> = match settings {
        Val::Map(m) => m.iter().map(|(k, v)| (k.as_str(), v)).collect(),
        Val::Null => BTreeMap::new(),
        other => return Err(format!("settings must be an object, not {other:?}")),
    };
    for attribute in &block.attributes {
        let value = unused.remove(attribute.name.as_str()).cloned();
        object.insert(attribute.name.clone(), value.unwrap_or(Val::Null));
    }
    for nested in &block.block_types {
        let name = nested.type_name.as_str();
        let inner = nested
            .block
            .as_ref()
            .ok_or_else(|| format!("block {name} has no schema"))?;
        let given = unused.remove(name);
        let value = match (NestingMode::try_from(nested.nesting), given) {
            (Ok(NestingMode::Group), given) => config_object(inner, given.unwrap_or(&Val::Null))?,
            (Ok(NestingMode::Single), None) => Val::Null,
            (Ok(NestingMode::Single), Some(given)) => config_object(inner, given)?,
            (Ok(NestingMode::List | NestingMode::Set), None) => Val::List(Vec::new()),
            (Ok(NestingMode::List | NestingMode::Set), Some(Val::List(items))) => Val::List(
                items
                    .iter()
                    .map(|item| config_object(inner, item))
                    .collect::<Result<_, _>>()?,
            ),
            (Ok(NestingMode::Map), None) => Val::Map(BTreeMap::new()),
            (Ok(NestingMode::Map), Some(Val::Map(items))) => Val::Map(
                items
                    .iter()
                    .map(|(k, item)| Ok((k.clone(), config_object(inner, item)?)))
                    .collect::<Result<_, String>>()?,
            ),
            (mode, given) => {
                return Err(format!(
                    "block {name}: nesting {mode:?} cannot take {given:?}"
                ))
            }
        };
        object.insert(name.to_owned(), value);
    }
    if let Some(name) = unused.keys().next() {
        return Err(format!(
            "{name} is neither an attribute nor a block of the schema"
        ));
    }
    Ok(Val::Map(object))
}

#[cfg(test)]
mod tests {
    use super::Val;

    #[test]
    fn round_trip() {
        let long = "x".repeat(300);
        let value = Val::map([
            ("null", Val::Null),
            ("unknown", Val::Unknown),
            ("bools", Val::List(vec![Val::Bool(true), Val::Bool(false)])),
            (
                "ints",
                Val::List(vec![
                    Val::Int(0),
                    Val::Int(127),
                    Val::Int(-32),
                    Val::Int(-33),
                    Val::Int(1 << 40),
                ]),
            ),
            ("float", Val::Float(1.5)),
            ("short", Val::str("hello")),
            ("long", Val::Str(long)),
            ("many", Val::List((0..20).map(Val::Int).collect())),
        ]);
        assert_eq!(Val::decode(&value.encode()), Ok(value));
    }

    #[test]
    fn decodes_other_encoders_integers_and_terraform_unknowns() {
        // uint8 200, int16 -300, uint16 1000, fixext1 type 0 (unknown).
        let bytes = [
            0x94, 0xcc, 200, 0xd1, 0xfe, 0xd4, 0xcd, 0x03, 0xe8, 0xd4, 0x00, 0x00,
        ];
        assert_eq!(
            Val::decode(&bytes),
            Ok(Val::List(vec![
                Val::Int(200),
                Val::Int(-300),
                Val::Int(1000),
                Val::Unknown
            ]))
        );
    }
}
