//! Passphrases, tokens and one-time codes as they travel: a plain string on the wire, but never
//! printed by `Debug` (a logged request, a panic, a `{:?}` in a test), and wiped from memory when
//! dropped (`secrecy`). Reading one is spelled out: [`Secret::expose`].

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// The secret itself, to hash, verify or send; never to print.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Secret {
        Secret(SecretString::from(value))
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Secret {
        Secret(SecretString::from(value))
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.expose())
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Secret, D::Error> {
        String::deserialize(deserializer).map(Secret::from)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret_and_the_wire_carries_it_plainly() {
        let secret = Secret::from("correct horse battery staple");
        assert_eq!(format!("{secret:?}"), "[redacted]");
        let login = crate::api::BeginTotp {
            passphrase: secret.clone(),
        };
        assert!(!format!("{login:?}").contains("horse"));
        let json = serde_json::to_string(&login).unwrap_or_default();
        assert_eq!(json, r#"{"passphrase":"correct horse battery staple"}"#);
        let back: crate::api::BeginTotp = serde_json::from_str(&json).unwrap_or(login);
        assert_eq!(back.passphrase.expose(), "correct horse battery staple");
    }
}
