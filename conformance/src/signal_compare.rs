//! Comparing the frames hark wrote on the SFU link with what a `signal` step expects
//! (`vectors.md` §8.3), the same for `core` and `live` mode: in order, as templates.

use crate::format::chat::{Bindings, matches};
use crate::format::signal::SfuFrameJson;

/// The SFU frames in order, as templates; bindings are kept only if every frame matches.
pub fn sfu_frames(
    expected: &[SfuFrameJson],
    actual: &[String],
    bindings: &mut Bindings,
) -> Vec<String> {
    let mut local = bindings.clone();
    let same = expected.len() == actual.len()
        && expected
            .iter()
            .zip(actual)
            .all(|(want, got)| matches(&want.text, got, &mut local));
    if same {
        *bindings = local;
        return Vec::new();
    }
    let mut lines = vec![
        "frames to the SFU differ:".to_owned(),
        "  expected:".to_owned(),
    ];
    if expected.is_empty() {
        lines.push("    (none)".to_owned());
    }
    lines.extend(expected.iter().map(|f| format!("    {}", f.text)));
    lines.push("  actual:".to_owned());
    if actual.is_empty() {
        lines.push("    (none)".to_owned());
    }
    lines.extend(actual.iter().map(|text| format!("    {text}")));
    lines
}
