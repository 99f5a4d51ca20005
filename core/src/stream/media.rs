//! The audio types hark serves and the metadata of a file found (stream.md §5).

/// A file extension and the `Content-Type` it is served with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MediaType {
    pub extension: &'static str,
    pub content_type: &'static str,
}

/// stream.md §5, in lookup order: `{id}.mp3` first, as the seed.
pub const MEDIA_TYPES: [MediaType; 8] = [
    MediaType {
        extension: "mp3",
        content_type: "audio/mpeg",
    },
    MediaType {
        extension: "m4a",
        content_type: "audio/mp4",
    },
    MediaType {
        extension: "aac",
        content_type: "audio/aac",
    },
    MediaType {
        extension: "ogg",
        content_type: "audio/ogg",
    },
    MediaType {
        extension: "opus",
        content_type: "audio/ogg",
    },
    MediaType {
        extension: "flac",
        content_type: "audio/flac",
    },
    MediaType {
        extension: "wav",
        content_type: "audio/wav",
    },
    MediaType {
        extension: "webm",
        content_type: "audio/webm",
    },
];

/// A regular file the runtime opened, described from its open descriptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Media {
    pub media_type: MediaType,
    /// Length in bytes.
    pub len: u64,
    /// Modification time, unix seconds.
    pub modified_unix: i64,
}

/// A signed request whose file the runtime must now look for (stream.md §10).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    /// A valid id (stream.md §3): safe to join to the media directory.
    pub id: String,
}

impl Lookup {
    /// `{id}.{ext}` with its type, in stream.md §5 order.
    pub fn candidates(&self) -> impl Iterator<Item = (String, MediaType)> + '_ {
        MEDIA_TYPES
            .iter()
            .map(|&media_type| (format!("{}.{}", self.id, media_type.extension), media_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn candidates_start_with_mp3_and_follow_the_table() {
        let lookup = Lookup {
            id: "track1".into(),
        };
        let names: Vec<String> = lookup.candidates().map(|(name, _)| name).collect();
        assert_eq!(
            names,
            [
                "track1.mp3",
                "track1.m4a",
                "track1.aac",
                "track1.ogg",
                "track1.opus",
                "track1.flac",
                "track1.wav",
                "track1.webm"
            ]
        );
    }

    #[test]
    fn opus_is_served_as_ogg() {
        let opus = MEDIA_TYPES.iter().find(|t| t.extension == "opus").unwrap();
        assert_eq!(opus.content_type, "audio/ogg");
    }
}
