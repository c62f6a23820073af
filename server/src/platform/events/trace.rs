//! W3C Trace Context (`traceparent`) carried on every event, so the work a
//! consumer does joins the trace of the request that caused it.

use std::fmt;
use std::str::FromStr;

/// `00-<32 hex trace id>-<16 hex parent span id>-<2 hex flags>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceParent {
    trace_id: String,
    span_id: String,
    flags: String,
}

impl TraceParent {
    /// The start of a new trace.
    pub fn new_root() -> Self {
        let trace = uuid::Uuid::new_v4().simple().to_string();
        let span = uuid::Uuid::new_v4().simple().to_string();
        Self { trace_id: trace, span_id: span[..16].to_string(), flags: "01".into() }
    }

    /// The same trace, one span further down.
    pub fn child(&self) -> Self {
        let span = uuid::Uuid::new_v4().simple().to_string();
        Self { trace_id: self.trace_id.clone(), span_id: span[..16].to_string(), flags: self.flags.clone() }
    }

    pub fn trace_id(&self) -> &str {
        &self.trace_id
    }
}

impl fmt::Display for TraceParent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "00-{}-{}-{}", self.trace_id, self.span_id, self.flags)
    }
}

#[derive(Debug, thiserror::Error)]
#[error("not a W3C traceparent: {0:?}")]
pub struct InvalidTraceParent(String);

impl FromStr for TraceParent {
    type Err = InvalidTraceParent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parts: Vec<&str> = s.trim().split('-').collect();
        let hex =
            |p: &str, len: usize| p.len() == len && p.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase());
        match parts.as_slice() {
            [version, trace, span, flags]
                if hex(version, 2)
                    && *version != "ff"
                    && hex(trace, 32)
                    && hex(span, 16)
                    && hex(flags, 2)
                    && trace.chars().any(|c| c != '0')
                    && span.chars().any(|c| c != '0') =>
            {
                Ok(Self { trace_id: trace.to_string(), span_id: span.to_string(), flags: flags.to_string() })
            }
            _ => Err(InvalidTraceParent(s.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_w3c_form() {
        let raw = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let t: TraceParent = raw.parse().unwrap();
        assert_eq!(t.to_string(), raw);
        let child = t.child();
        assert_eq!(child.trace_id(), t.trace_id());
        assert_ne!(child.to_string(), raw);
    }

    #[test]
    fn rejects_malformed_and_all_zero_ids() {
        for bad in ["", "00-xyz-00f067aa0ba902b7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01"] {
            assert!(bad.parse::<TraceParent>().is_err(), "{bad}");
        }
        assert!(TraceParent::new_root().to_string().parse::<TraceParent>().is_ok());
    }
}
