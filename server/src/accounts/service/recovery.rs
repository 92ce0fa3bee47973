//! Recovery codes: 80 random bits each, written in four groups of base32 letters.

use crate::auth::secrets::random_bytes;
use crate::auth::tokens::hash_token;
use crate::error::ApiResult;

const COUNT: usize = 10;

pub fn generate() -> ApiResult<Vec<String>> {
    (0..COUNT)
        .map(|_| {
            let letters = crate::auth::totp::base32(&random_bytes::<10>()?).to_lowercase();
            let groups: Vec<&str> = (0..4).map(|i| &letters[i * 4..i * 4 + 4]).collect();
            Ok(groups.join("-"))
        })
        .collect()
}

/// Six digits are a TOTP code; anything else offered as the second factor is taken for a
/// recovery code.
pub fn looks_like_code(code: &str) -> bool {
    !(code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()))
}

/// Case, spaces and dashes do not matter when a person types one in.
pub fn hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    hash_token(&normal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_hash_alike_however_typed() {
        let codes = generate().unwrap_or_default();
        assert_eq!(codes.len(), COUNT);
        assert!(codes.iter().all(|c| c.len() == 19 && looks_like_code(c)));
        assert_ne!(codes[0], codes[1]);
        assert_eq!(
            hash(&codes[0]),
            hash(&codes[0].to_uppercase().replace('-', " "))
        );
        assert!(!looks_like_code("123456"));
    }
}
