//! Size padding. Bodies of the messaging API are padded with trailing spaces (valid trailing
//! JSON whitespace) to the next of a few bucket sizes, so that sizes on the wire tell neither how
//! long a message is nor which operation ran. Server and clients pad the same way.

/// Bucket sizes in bytes; beyond the largest, bodies grow in steps of the largest.
pub const BUCKETS: [usize; 5] = [256, 1024, 4096, 16 * 1024, 64 * 1024];

/// The padded size of a body of `len` bytes.
pub fn padded_len(len: usize) -> usize {
    match BUCKETS.iter().find(|bucket| **bucket >= len) {
        Some(bucket) => *bucket,
        None => {
            let step = BUCKETS[BUCKETS.len() - 1];
            len.div_ceil(step) * step
        }
    }
}

/// Pads a JSON body in place to its bucket.
pub fn pad(body: &mut Vec<u8>) {
    let target = padded_len(body.len());
    body.resize(target, b' ');
}

/// Serialises `value` as JSON padded to its bucket.
pub fn to_padded_json<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut body = serde_json::to_vec(value)?;
    pad(&mut body);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_grow_to_the_next_bucket_and_stay_valid_json() {
        assert_eq!(padded_len(0), 256);
        assert_eq!(padded_len(256), 256);
        assert_eq!(padded_len(257), 1024);
        assert_eq!(padded_len(70_000), 131_072);
        let body = to_padded_json(&serde_json::json!({"a": "b"})).unwrap_or_default();
        assert_eq!(body.len(), 256);
        let parsed: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
        assert_eq!(parsed["a"], "b");
    }
}
