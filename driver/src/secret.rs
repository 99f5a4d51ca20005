//! Secrets when none is configured: generated once, kept in the data directory with mode 0600,
//! reused on every later start. The JWT secret ([`JWT`]) is always kept this way; the stream
//! service's URL-signing key ([`STREAM`], stream.md §11) only in development mode.

use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The file name of the generated JWT secret inside the data directory.
pub const SECRET_FILE: &str = "jwt_secret";

/// One kind of secret: where it is kept and how the error messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecretKind {
    /// The file name inside the data directory.
    pub file: &'static str,
    /// What it is, for messages: "JWT secret".
    pub name: &'static str,
    /// Where an operator sets it: "JWT_SECRET or jwt_secret in the config file".
    pub configured_by: &'static str,
}

/// The suite's JWT secret (`audio`, `voice`, `signal`).
pub const JWT: SecretKind = SecretKind {
    file: SECRET_FILE,
    name: "JWT secret",
    configured_by: "JWT_SECRET or jwt_secret in the config file",
};

/// The key that signs stream URLs (stream.md §4, §11).
pub const STREAM: SecretKind = SecretKind {
    file: "stream_secret",
    name: "stream secret",
    configured_by: "SECRET_KEY or stream.secret in the config file",
};

/// Where the secret came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    /// In the config file or the environment.
    Configured,
    /// Read from the data directory.
    Stored(PathBuf),
    /// Generated now and written to the data directory.
    Generated(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path}: is empty")]
    Empty { path: PathBuf },
    #[error("no random source: {0}")]
    Random(getrandom::Error),
    #[error(
        "no JWT secret: set JWT_SECRET or jwt_secret in the config file, or run `hark serve` once to generate {0}"
    )]
    Missing(PathBuf),
    /// A secret that is only generated in development mode is missing in production mode.
    #[error(
        "no {}: set {} (or development mode, which generates one in the data directory)",
        .0.name,
        .0.configured_by
    )]
    Required(SecretKind),
}

fn io_error(path: &Path) -> impl FnOnce(io::Error) -> SecretError + '_ {
    move |source| SecretError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Reads the stored JWT secret, if there is one.
pub fn read(data_dir: &Path) -> Result<Option<(String, PathBuf)>, SecretError> {
    read_kind(JWT, data_dir)
}

/// The configured JWT secret, else the stored one, else a new one (stored).
pub fn resolve(
    configured: Option<&str>,
    data_dir: &Path,
) -> Result<(String, SecretSource), SecretError> {
    resolve_kind(JWT, configured, data_dir)
}

/// The stream service's key (stream.md §11): the configured one; else, in development mode only,
/// the stored one or a new one (stored); in production mode a missing key is an error.
pub fn resolve_stream(
    configured: Option<&str>,
    development: bool,
    data_dir: &Path,
) -> Result<(String, SecretSource), SecretError> {
    if configured.is_none() && !development {
        return Err(SecretError::Required(STREAM));
    }
    resolve_kind(STREAM, configured, data_dir)
}

/// Reads the stored secret of `kind`, if there is one.
fn read_kind(kind: SecretKind, data_dir: &Path) -> Result<Option<(String, PathBuf)>, SecretError> {
    let path = data_dir.join(kind.file);
    match fs::read_to_string(&path) {
        Ok(text) => {
            let secret = text.trim().to_owned();
            if secret.is_empty() {
                return Err(SecretError::Empty { path });
            }
            Ok(Some((secret, path)))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io_error(&path)(e)),
    }
}

/// The configured secret of `kind`, else the stored one, else a new one (stored).
fn resolve_kind(
    kind: SecretKind,
    configured: Option<&str>,
    data_dir: &Path,
) -> Result<(String, SecretSource), SecretError> {
    if let Some(secret) = configured {
        return Ok((secret.to_owned(), SecretSource::Configured));
    }
    if let Some((secret, path)) = read_kind(kind, data_dir)? {
        return Ok((secret, SecretSource::Stored(path)));
    }
    let secret = generate()?;
    let path = store(data_dir, kind.file, &secret)?;
    Ok((secret, SecretSource::Generated(path)))
}

/// 32 random bytes from the OS, hex-encoded.
fn generate() -> Result<String, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(SecretError::Random)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn store(data_dir: &Path, file: &str, secret: &str) -> Result<PathBuf, SecretError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data_dir)
        .map_err(io_error(data_dir))?;
    let path = data_dir.join(file);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .map_err(io_error(&path))?;
    file.write_all(secret.as_bytes()).map_err(io_error(&path))?;
    file.write_all(b"\n").map_err(io_error(&path))?;
    // The umask may have narrowed the mode further; make it exactly 0600.
    fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).map_err(io_error(&path))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("hark-secret-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_generated_secret_is_private_and_reused() {
        let dir = temp_dir("reuse");
        let (first, source) = resolve(None, &dir).unwrap();
        let SecretSource::Generated(path) = source else {
            panic!("expected a generated secret")
        };
        assert_eq!(first.len(), 64);
        let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let (second, source) = resolve(None, &dir).unwrap();
        assert_eq!(second, first);
        assert_eq!(source, SecretSource::Stored(path));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_configured_secret_wins_and_writes_nothing() {
        let dir = temp_dir("configured");
        let (secret, source) = resolve(Some("s3cret"), &dir).unwrap();
        assert_eq!(
            (secret.as_str(), source),
            ("s3cret", SecretSource::Configured)
        );
        assert!(!dir.exists());
    }

    #[test]
    fn the_stream_secret_is_generated_in_its_own_file_in_development_mode() {
        let dir = temp_dir("stream-dev");
        let (jwt, _) = resolve(None, &dir).unwrap();
        let (stream, source) = resolve_stream(None, true, &dir).unwrap();
        assert_eq!(source, SecretSource::Generated(dir.join("stream_secret")));
        assert_ne!(stream, jwt);
        let (again, _) = resolve_stream(None, true, &dir).unwrap();
        assert_eq!(again, stream);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_missing_stream_secret_is_an_error_in_production_mode() {
        let dir = temp_dir("stream-prod");
        let error = resolve_stream(None, false, &dir).unwrap_err();
        assert!(error.to_string().contains("SECRET_KEY"), "{error}");
        assert!(!dir.exists());
        let (secret, source) = resolve_stream(Some("k"), false, &dir).unwrap();
        assert_eq!((secret.as_str(), source), ("k", SecretSource::Configured));
    }
}
