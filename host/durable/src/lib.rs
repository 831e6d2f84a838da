//! The one durable atomic write of the project: [`write_atomic`] replaces a
//! file so that, after a crash or a power loss, it holds either its old
//! content or the new, never a mix and never nothing.
//!
//! Why not just write a temporary file and rename it: a rename is atomic
//! for readers, but not durable. The file system may commit the rename to
//! its journal before the file's data, so after a power loss the target can
//! be empty (ext4 with `delalloc`, XFS, btrfs all allow it), or the rename
//! itself may be lost. So the steps are:
//!
//! 1. write the bytes to a uniquely named temporary file in the target's
//!    directory (same file system, so the rename is atomic);
//! 2. `fsync` the temporary file: its data is on disk before its name is;
//! 3. rename it over the target;
//! 4. `fsync` the directory: the rename itself is on disk.
//!
//! On any failure the temporary file is removed and the target is left as it
//! was. Every error names the target path and the step that failed, keeps the
//! [`io::ErrorKind`], and carries the underlying error in a [`WriteError`].

use std::fmt;
use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// Replaces `path` with `bytes`, durably: see the [crate] docs. The new file
/// gets the default mode for new files (`0o666` less the umask), as
/// [`std::fs::write`] would give it. The directory must exist.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write(path, bytes, None)
}

/// [`write_atomic`], with the file's unix permission bits set to exactly
/// `mode` (e.g. `0o600` for a private key) before it gets its name, so the
/// content is never readable under a wider mode.
pub fn write_atomic_with_mode(path: &Path, bytes: &[u8], mode: u32) -> io::Result<()> {
    write(path, bytes, Some(mode))
}

/// Creates `dir` and its missing parents, as [`std::fs::create_dir_all`]
/// does, and fsyncs the parent of each directory it creates: a file written
/// durably into a new directory is lost with it if the directory's own entry
/// is not on disk.
pub fn create_dir_all(dir: &Path) -> io::Result<()> {
    let mut missing = Vec::new();
    let mut at = dir;
    loop {
        match std::fs::metadata(at) {
            Ok(m) if m.is_dir() => break,
            Ok(_) => {
                let e = io::Error::new(io::ErrorKind::NotADirectory, format!("{} is not a directory", at.display()));
                return Err(fail(dir, "creating the directory")(e));
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                missing.push(at);
                match at.parent() {
                    Some(p) if !p.as_os_str().is_empty() => at = p,
                    _ => break,
                }
            }
            Err(e) => return Err(fail(dir, "creating the directory")(e)),
        }
    }
    for new in missing.into_iter().rev() {
        match std::fs::create_dir(new) {
            Ok(()) => {}
            // Created meanwhile by someone else, who syncs it.
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && new.is_dir() => continue,
            Err(e) => return Err(fail(new, "creating the directory")(e)),
        }
        sync_dir(parent_of(new)).map_err(fail(new, "syncing the directory it was created in"))?;
    }
    Ok(())
}

/// Appends `bytes` to `path` (creating it), durably: one `write` at the end
/// of the file, `fsync` of the file, and of the directory when the file is
/// new. For append-only logs (audit checkpoints) that a rename would not suit.
pub fn append(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let existed = path.exists();
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .map_err(fail(path, "opening the file to append"))?;
    file.write_all(bytes).map_err(fail(path, "appending"))?;
    file.sync_all().map_err(fail(path, "syncing the file"))?;
    if !existed {
        sync_dir(parent_of(path)).map_err(fail(path, "syncing the directory it was created in"))?;
    }
    Ok(())
}

fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// A failed durable write: which file, which step, and the I/O error.
/// Carried inside the [`io::Error`] the functions return (see
/// [`io::Error::get_ref`]).
#[derive(Debug)]
pub struct WriteError {
    pub path: PathBuf,
    pub step: &'static str,
    pub source: io::Error,
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cannot write {} ({}): {}", self.path.display(), self.step, self.source)
    }
}

/// The message already ends with the I/O error, so the chain goes on from
/// that error's own source, as `io::Error` does for an error it wraps: an
/// `{:#}` print shows each cause once. The I/O error itself is `source`.
impl std::error::Error for WriteError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.source()
    }
}

fn fail(path: &Path, step: &'static str) -> impl FnOnce(io::Error) -> io::Error + use<> {
    let path = path.to_path_buf();
    move |source| io::Error::new(source.kind(), WriteError { path, step, source })
}

fn write(path: &Path, bytes: &[u8], mode: Option<u32>) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        fail(path, "naming the file")(io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))
    })?;
    let dir = parent_of(path);
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(name);
    prefix.push(".");
    // Created with 0o666 less the umask, as a plain new file would be.
    let mut tmp = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".tmp")
        .permissions(Permissions::from_mode(mode.unwrap_or(0o666)))
        .tempfile_in(dir)
        .map_err(fail(path, "creating a temporary file beside it"))?;
    // From here on, dropping `tmp` on an error removes the temporary file.
    if let Some(mode) = mode {
        // Exactly `mode`, whatever the umask.
        tmp.as_file().set_permissions(Permissions::from_mode(mode)).map_err(fail(path, "setting its mode"))?;
    }
    tmp.write_all(bytes).map_err(fail(path, "writing the temporary file"))?;
    tmp.as_file().sync_all().map_err(fail(path, "syncing the temporary file"))?;
    tmp.persist(path).map_err(|e| fail(path, "renaming the temporary file over it")(e.error))?;
    sync_dir(dir).map_err(fail(path, "syncing its directory"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn replaces_existing_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, b"old content, longer than the new").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(entries(dir.path()), ["state.json"], "no temporary file is left");
    }

    #[test]
    fn creates_a_new_file_with_the_default_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.json");
        write_atomic(&path, b"{}").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"{}");
        assert_eq!(entries(dir.path()), ["new.json"]);
        // The same mode std::fs::write gives a new file.
        let reference = dir.path().join("reference");
        std::fs::write(&reference, b"").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), mode(&reference));
    }

    #[test]
    fn a_path_without_a_file_name_is_refused() {
        let err = write_atomic(Path::new(""), b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_missing_directory_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("absent/state.json");
        let err = write_atomic(&path, b"x").unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        let inner = err.get_ref().and_then(|e| e.downcast_ref::<WriteError>()).expect("a WriteError inside");
        assert_eq!(inner.path, path);
        assert_eq!(inner.source.kind(), io::ErrorKind::NotFound, "the I/O error is kept");
        assert_eq!(err.to_string().matches("No such file").count(), 1, "the cause is told once: {err:#}");
        assert!(entries(dir.path()).is_empty());
    }

    #[test]
    fn a_failed_rename_leaves_the_target_and_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory cannot be renamed over: the last step before the rename succeeds.
        let path = dir.path().join("target");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), b"kept").unwrap();
        let err = write_atomic(&path, b"x").unwrap_err();
        assert!(err.to_string().contains(&path.display().to_string()), "{err}");
        assert!(err.to_string().contains("renaming"), "{err}");
        assert_eq!(entries(dir.path()), ["target"], "the temporary file is removed");
        assert_eq!(std::fs::read(path.join("inside")).unwrap(), b"kept");
    }

    #[test]
    fn create_dir_all_creates_every_missing_level_and_accepts_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("targets/districts/330105");
        create_dir_all(&deep).unwrap();
        assert!(deep.is_dir());
        create_dir_all(&deep).unwrap();
        write_atomic(&deep.join("m.wasm"), b"x").unwrap();
        std::fs::write(dir.path().join("file"), b"").unwrap();
        let err = create_dir_all(&dir.path().join("file/sub")).unwrap_err();
        assert!(err.to_string().contains("file/sub"), "{err}");
    }

    #[test]
    fn the_mode_variant_sets_the_mode_exactly() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("authority.key");
        std::fs::write(&path, b"old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        write_atomic_with_mode(&path, b"secret", 0o600).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(std::fs::read(&path).unwrap(), b"secret");
        write_atomic_with_mode(&path, b"public", 0o644).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o644);
        assert_eq!(entries(dir.path()), ["authority.key"]);
    }
}
