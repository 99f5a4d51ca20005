//! A JSON object writer for the reports: flat objects of numbers and strings are all hark-bench
//! prints, which does not justify a serialisation dependency in the client crate.

use std::fmt::Write;

/// Builds one JSON object, field by field.
#[derive(Debug, Clone, Default)]
pub struct JsonObject {
    body: String,
}

impl JsonObject {
    pub fn new() -> Self {
        Self::default()
    }

    fn key(&mut self, key: &str) {
        if !self.body.is_empty() {
            self.body.push(',');
        }
        write_string(&mut self.body, key);
        self.body.push(':');
    }

    pub fn string(mut self, key: &str, value: &str) -> Self {
        self.key(key);
        write_string(&mut self.body, value);
        self
    }

    pub fn opt_string(self, key: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.string(key, value),
            None => self.raw(key, "null"),
        }
    }

    pub fn uint(mut self, key: &str, value: u64) -> Self {
        self.key(key);
        let _ = write!(self.body, "{value}");
        self
    }

    /// A float; NaN and infinities (which JSON cannot carry) become `null`.
    pub fn float(mut self, key: &str, value: f64) -> Self {
        self.key(key);
        if value.is_finite() {
            let _ = write!(self.body, "{value}");
        } else {
            self.body.push_str("null");
        }
        self
    }

    /// A value that is already JSON (a nested object or array).
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.key(key);
        self.body.push_str(json);
        self
    }

    pub fn finish(self) -> String {
        format!("{{{}}}", self.body)
    }
}

/// A JSON array of already-encoded values.
pub fn array<'a>(values: impl IntoIterator<Item = &'a str>) -> String {
    let items: Vec<&str> = values.into_iter().collect();
    format!("[{}]", items.join(","))
}

fn write_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_are_valid_json() {
        let json = JsonObject::new()
            .string("name", "a \"quoted\"\n\u{1}")
            .uint("n", 3)
            .float("x", 0.5)
            .float("nan", f64::NAN)
            .opt_string("none", None)
            .raw("list", &array(["1", "2"]))
            .finish();
        assert_eq!(
            json,
            r#"{"name":"a \"quoted\"\n\u0001","n":3,"x":0.5,"nan":null,"none":null,"list":[1,2]}"#
        );
    }
}
