//! Shell-style globs (`*`, `?`, `[...]` classes, as fnmatch), for ignore
//! rules and symbol filters.

/// A glob's classes must close: an error naming the glob otherwise.
pub fn check_glob(g: &str) -> std::result::Result<(), String> {
    let chars: Vec<char> = g.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            match class_end(&chars, i) {
                Some(end) => i = end,
                None => return Err(format!("unterminated '[' in glob '{g}'")),
            }
        }
        i += 1;
    }
    Ok(())
}

/// Index of the `]` closing the class that opens at `start`. A `]` right
/// after `[` (or `[!`) is a member, as in fnmatch.
fn class_end(p: &[char], start: usize) -> Option<usize> {
    let mut i = start + 1;
    if matches!(p.get(i), Some('!' | '^')) {
        i += 1;
    }
    if p.get(i) == Some(&']') {
        i += 1;
    }
    while i < p.len() {
        if p[i] == ']' {
            return Some(i);
        }
        i += 1;
    }
    None
}

fn class_matches(p: &[char], start: usize, end: usize, c: char) -> bool {
    let mut i = start + 1;
    let negated = matches!(p.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut hit = false;
    while i < end {
        if i + 2 < end && p[i + 1] == '-' {
            if p[i] <= c && c <= p[i + 2] {
                hit = true;
            }
            i += 3;
        } else {
            if p[i] == c {
                hit = true;
            }
            i += 1;
        }
    }
    hit != negated
}

/// Shell-style glob match of the whole string. Backtracks only to the last
/// `*`, which keeps it linear-ish and free of recursion on hostile globs.
pub fn glob_match(glob: &str, s: &str) -> bool {
    let p: Vec<char> = glob.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        let step = match p.get(pi) {
            Some('*') => {
                star = Some((pi, ti));
                pi += 1;
                continue;
            }
            Some('?') => Some(pi + 1),
            Some('[') => match class_end(&p, pi) {
                Some(end) if class_matches(&p, pi, end, t[ti]) => Some(end + 1),
                Some(_) => None,
                // Validated at load; a stray '[' matches itself otherwise.
                None => (t[ti] == '[').then_some(pi + 1),
            },
            Some(&c) => (c == t[ti]).then_some(pi + 1),
            None => None,
        };
        match step {
            Some(next) => {
                pi = next;
                ti += 1;
            }
            None => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}
