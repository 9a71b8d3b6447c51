//! String interning: a graph stores each distinct name once and nodes carry a
//! `u32`, which keeps nodes small and makes hashing a node cheap.

use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Name(pub u32);

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Interner {
    strings: Vec<Box<str>>,
    #[serde(skip)]
    index: FxHashMap<Box<str>, Name>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> Name {
        if let Some(&n) = self.index.get(s) {
            return n;
        }
        let n = Name(self.strings.len() as u32);
        self.strings.push(s.into());
        self.index.insert(s.into(), n);
        n
    }

    pub fn get(&self, n: Name) -> &str {
        self.strings.get(n.0 as usize).map(|s| &**s).unwrap_or("")
    }

    pub fn len(&self) -> usize {
        self.strings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.strings.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interning_is_idempotent() {
        let mut i = Interner::default();
        let a = i.intern("sk_buff");
        let b = i.intern("net_device");
        assert_ne!(a, b);
        assert_eq!(i.intern("sk_buff"), a);
        assert_eq!(i.get(b), "net_device");
        assert_eq!(i.len(), 2);
    }
}
