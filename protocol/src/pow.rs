//! Sign-up proof of work. The server hands out a challenge; the client searches for a counter such
//! that SHA-256(challenge ‖ counter as 8 little-endian bytes) starts with `bits` zero bits.
//! It makes mass sign-up costly without asking anyone who they are.

use sha2::{Digest, Sha256};

/// Number of leading zero bits of a digest.
pub fn leading_zero_bits(digest: &[u8]) -> u32 {
    let mut bits = 0;
    for byte in digest {
        if *byte == 0 {
            bits += 8;
        } else {
            bits += byte.leading_zeros();
            break;
        }
    }
    bits
}

fn digest(challenge: &[u8], counter: u64) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(challenge);
    hasher.update(counter.to_le_bytes());
    hasher.finalize().into()
}

/// Whether `counter` solves `challenge` at difficulty `bits`.
pub fn verify(challenge: &[u8], counter: u64, bits: u8) -> bool {
    leading_zero_bits(&digest(challenge, counter)) >= u32::from(bits)
}

/// Finds the smallest solving counter. Expected work: 2^bits hashes.
pub fn solve(challenge: &[u8], bits: u8) -> u64 {
    (0..=u64::MAX)
        .find(|counter| verify(challenge, *counter, bits))
        .unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_leading_zero_bits_across_bytes() {
        assert_eq!(leading_zero_bits(&[0x00, 0x00, 0x80]), 16);
        assert_eq!(leading_zero_bits(&[0x00, 0x0f]), 12);
        assert_eq!(leading_zero_bits(&[0xff]), 0);
    }

    #[test]
    fn a_solution_verifies_and_a_neighbour_usually_does_not() {
        let challenge = b"quietline-test-challenge";
        let counter = solve(challenge, 12);
        assert!(verify(challenge, counter, 12));
        // The smallest solution is the first: nothing below it solves.
        assert!((0..counter).all(|c| !verify(challenge, c, 12)));
    }
}
