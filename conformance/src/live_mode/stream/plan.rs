//! `live-plan` for `stream` (`vectors.md` §9.6): the fixture's media directory written once
//! under the data directory (contents by the fixture's rule, modification times set), and one
//! hark configuration per group: `[stream]` from the group's config with its listener on
//! `127.0.0.1:0` and that media directory, the other services off, and `[testing]`'s wall clock
//! at the group's `now`.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{BufWriter, Write as _};
use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::format::stream::{MediaJson, StreamFixture, StreamGroup, StreamVectorSet, content};
use crate::live_mode::plan::{
    PlanError, Planned, io_error, plan_dirs, quote, toml_path, write_group,
};

/// The media directory's name under `--data-dir`.
pub const MEDIA_DIR: &str = "media";
/// Bytes written per call while a fixture file is created.
const CHUNK: u64 = 64 * 1024;

/// Writes the media directory and `out/<group>.toml` for every group, in file order.
pub fn write_plan(
    set: &StreamVectorSet,
    out: &Path,
    data_dir: &Path,
) -> Result<Vec<Planned>, PlanError> {
    let data_dir = plan_dirs(out, data_dir)?;
    let media = data_dir.join(MEDIA_DIR);
    write_media(&set.fixture, &media)?;
    set.groups
        .iter()
        .map(|group| {
            write_group(out, &data_dir, &group.name, |dir, socket| {
                config_toml(group, dir, &media, socket)
            })
        })
        .collect()
}

/// Creates `dir` afresh with the fixture's files and directories.
pub fn write_media(fixture: &StreamFixture, dir: &Path) -> Result<(), PlanError> {
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(io_error(dir))?;
    }
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    for entry in &fixture.media {
        let path = dir.join(entry.name());
        match entry {
            MediaJson::Directory { .. } => fs::create_dir(&path).map_err(io_error(&path))?,
            MediaJson::File {
                len, mtime, seed, ..
            } => {
                let file = File::create(&path).map_err(io_error(&path))?;
                let mut writer = BufWriter::new(&file);
                let mut start = 0;
                while start < *len {
                    let n = CHUNK.min(len - start);
                    writer
                        .write_all(&content::bytes(*seed, start, n))
                        .map_err(io_error(&path))?;
                    start += n;
                }
                writer.flush().map_err(io_error(&path))?;
                drop(writer);
                let secs = u64::try_from(*mtime).unwrap_or(0);
                file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
                    .map_err(io_error(&path))?;
            }
        }
    }
    Ok(())
}

/// The configuration file of one group's server.
pub fn config_toml(
    group: &StreamGroup,
    data_dir: &Path,
    media: &Path,
    admin_socket: &Path,
) -> Result<String, PlanError> {
    let c = &group.group.config;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "# Written by `hark-conformance live-plan`: the server for stream scenario group {:?}",
        group.name
    );
    let _ = writeln!(t, "data_dir = {}", toml_path(data_dir)?);
    let _ = writeln!(t, "\n[audio]\nenabled = false");
    let _ = writeln!(t, "\n[voice]\nenabled = false");
    let _ = writeln!(t, "\n[chat]\nenabled = false");
    let _ = writeln!(t, "\n[signal]\nenabled = false");
    let _ = writeln!(t, "\n[stream]\nenabled = true\nbind_addr = \"127.0.0.1:0\"");
    let _ = writeln!(t, "media_dir = {}", toml_path(media)?);
    let _ = writeln!(t, "secret = {}", quote(&c.secret));
    let _ = writeln!(
        t,
        "allowed_origins = {}",
        quote(&c.allowed_origins.join(","))
    );
    let _ = writeln!(t, "cache_control = {}", quote(&c.cache_control));
    let _ = writeln!(t, "max_ranges = {}", c.max_ranges);
    let _ = writeln!(t, "keepalive_requests = {}", c.keepalive_requests);
    let _ = writeln!(t, "\n[admin]\nsocket = {}", toml_path(admin_socket)?);
    let _ = writeln!(t, "\n[testing]\nwall_clock_start = {}", c.now);
    Ok(t)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::MetadataExt;

    use super::*;
    use crate::live_mode::test_dir::Dir;

    #[test]
    fn stream_plans_write_the_media_and_each_group_section() {
        let set = crate::format::stream::load(&crate::default_vectors("stream")).unwrap();
        let dir = Dir::new("stream-plan");
        let planned = write_plan(&set, &dir.path().join("out"), &dir.path().join("data")).unwrap();
        assert_eq!(planned.len(), set.groups.len());
        let base = fs::read_to_string(&planned[0].config).unwrap();
        for line in [
            "[stream]",
            "enabled = true",
            "bind_addr = \"127.0.0.1:0\"",
            "allowed_origins = \"\"",
            "max_ranges = 16",
            "wall_clock_start = 1700000000",
        ] {
            assert!(base.lines().any(|l| l == line), "no {line:?} in\n{base}");
        }
        let media = fs::canonicalize(dir.path().join("data"))
            .unwrap()
            .join(MEDIA_DIR);
        let track = fs::read(media.join("track1.mp3")).unwrap();
        let (len, mtime, seed) = set.fixture.file("track1.mp3").unwrap();
        assert_eq!(track, content::bytes(seed, 0, len));
        assert_eq!(
            fs::metadata(media.join("track1.mp3")).unwrap().mtime(),
            mtime
        );
        assert!(media.join("folder.mp3").is_dir());
    }
}
