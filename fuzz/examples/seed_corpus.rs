//! Writes seed inputs into `corpus/<target>/` (run by `seed_corpus.sh`):
//!
//! - `audio_packet`: one valid datagram of every packet type, format, error code and acked type;
//! - `audio_service`: inputs that decode into interactions reaching audio fan-out and at least
//!   two of mute relays, directory-ended and timed-out sessions, found by running pseudo-random inputs through the
//!   same model the fuzz target uses. An input that breaks an invariant is reported and kept.
//!
//! Deterministic: the same build writes the same files.

use std::fs;
use std::path::Path;

use hark_fuzz::Script;
use hark_fuzz::audio_model::Coverage;

/// How many interaction seeds to keep, and how many random inputs to try for them.
const SERVICE_SEEDS: usize = 64;
const SERVICE_TRIES: usize = 20_000;

fn main() -> std::io::Result<()> {
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");

    let packets = corpus.join("audio_packet");
    fs::create_dir_all(&packets)?;
    let seeds = hark_fuzz::packet_seeds();
    for (index, seed) in seeds.iter().enumerate() {
        fs::write(packets.join(format!("valid-{index:02}")), seed)?;
    }
    println!("audio_packet: {} valid datagrams", seeds.len());

    let service = corpus.join("audio_service");
    fs::create_dir_all(&service)?;
    let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
    let (mut kept, mut violations) = (0, 0);
    for _ in 0..SERVICE_TRIES {
        if kept == SERVICE_SEEDS {
            break;
        }
        let len = 64 + rng.below(960);
        let input: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        let Ok(script) = Script::decode(&input) else {
            continue;
        };
        let keep = match script.run() {
            Ok(coverage) => reaches_enough(&coverage),
            Err(violation) => {
                eprintln!("invariant broken while seeding: {violation}");
                violations += 1;
                true
            }
        };
        if keep {
            fs::write(service.join(format!("interaction-{kept:02}")), &input)?;
            kept += 1;
        }
    }
    println!("audio_service: {kept} interactions, {violations} breaking an invariant");
    Ok(())
}

/// Audio fan-out and at least two of: a mute relay, a session ended by the directory, one
/// ended by a timer.
fn reaches_enough(coverage: &Coverage) -> bool {
    let others = [
        coverage.mute_relayed,
        coverage.ended_by_directory,
        coverage.ended_by_timeout,
    ];
    coverage.audio_relayed > 0 && others.iter().filter(|&&n| n > 0).count() >= 2
}

/// A xorshift64 generator: deterministic seeds without a dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn byte(&mut self) -> u8 {
        self.next().to_be_bytes()[0]
    }

    fn below(&mut self, n: u64) -> usize {
        usize::try_from(self.next() % n).unwrap_or_default()
    }
}
