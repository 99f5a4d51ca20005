//! The one thing the core cannot do for a request: find its file (stream.md §5, §10). The
//! candidates are opened in the core's order; the first that is a regular file is described
//! from its open descriptor, so the file served is the file described.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use hark_core::stream::{Lookup, Media};
use rustix::fs::{Mode, OFlags};

/// The first candidate of `lookup` in `media_dir` that opens as a regular file, with its
/// metadata; `None` if there is none.
pub(crate) fn find(media_dir: &Path, lookup: &Lookup) -> Option<(File, Media)> {
    lookup.candidates().find_map(|(name, media_type)| {
        let path = media_dir.join(&name);
        match open_regular(&path) {
            Ok(Some((file, len, modified_unix))) => Some((
                file,
                Media {
                    media_type,
                    len,
                    modified_unix,
                },
            )),
            Ok(None) => None,
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(e) => {
                tracing::debug!(path = %path.display(), error = %e, "cannot open");
                None
            }
        }
    })
}

/// Opens `path` for reading; `None` if it is not a regular file (a directory, FIFO or device).
/// `O_NONBLOCK` keeps a FIFO from blocking the runtime until a writer comes (it changes nothing
/// for a regular file), `O_NOCTTY` keeps a terminal from becoming the server's.
fn open_regular(path: &Path) -> io::Result<Option<(File, u64, i64)>> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NONBLOCK | OFlags::NOCTTY;
    let file = File::from(rustix::fs::open(path, flags, Mode::empty())?);
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Ok(None);
    }
    Ok(Some((file, metadata.len(), metadata.mtime())))
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    struct Dir(PathBuf);

    impl Dir {
        fn new(name: &str) -> Self {
            let path =
                std::env::temp_dir().join(format!("hark-lookup-{}-{name}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn lookup(id: &str) -> Lookup {
        Lookup { id: id.into() }
    }

    #[test]
    fn the_first_candidate_that_exists_is_described() {
        let dir = Dir::new("first");
        std::fs::write(dir.0.join("t.ogg"), b"0123").unwrap();
        std::fs::write(dir.0.join("t.wav"), b"01").unwrap();
        let (_, media) = find(&dir.0, &lookup("t")).unwrap();
        assert_eq!(media.media_type.extension, "ogg");
        assert_eq!(media.len, 4);
        assert!(media.modified_unix > 1_600_000_000);
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let dir = Dir::new("directory");
        std::fs::create_dir(dir.0.join("t.mp3")).unwrap();
        std::fs::write(dir.0.join("t.m4a"), b"x").unwrap();
        let (_, media) = find(&dir.0, &lookup("t")).unwrap();
        assert_eq!(media.media_type.extension, "m4a");
    }

    #[test]
    fn a_fifo_is_not_a_file_and_does_not_block() {
        let dir = Dir::new("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            dir.0.join("t.mp3"),
            Mode::RUSR | Mode::WUSR,
        )
        .unwrap();
        assert!(find(&dir.0, &lookup("t")).is_none());
    }

    #[test]
    fn no_file_is_none() {
        let dir = Dir::new("none");
        assert!(find(&dir.0, &lookup("t")).is_none());
    }
}
