//! What the command line shares between seekers and workers: prompts without echo, lines typed,
//! local times, the terminal's languages, and a fresh access token before each request.

use quietline_protocol::client::{Client, ClientError, Socket};
use quietline_protocol::relay::Envelope;
use std::io::BufRead;
use std::path::Path;
use tokio::sync::mpsc;

/// Reads a secret: from `variable` when set (scripts), else from the terminal without echo.
pub fn secret(variable: &str, prompt: &str) -> Result<String, ClientError> {
    if let Ok(value) = std::env::var(variable) {
        return Ok(value);
    }
    rpassword::prompt_password(prompt)
        .map(|line| line.trim_end_matches(['\r', '\n']).to_string())
        .map_err(|e| ClientError::Transport(format!("reading from the terminal: {e}")))
}

/// Lines typed on standard input, read on a thread of their own so the chat loop can wait on
/// them and on the server at once.
pub struct Terminal {
    lines: mpsc::UnboundedReceiver<String>,
}

impl Terminal {
    pub fn start() -> Terminal {
        let (sender, lines) = mpsc::unbounded_channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines().map_while(Result::ok) {
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        Terminal { lines }
    }

    /// The next line typed, trimmed; `None` at the end of input.
    pub async fn next(&mut self) -> Option<String> {
        self.lines.recv().await.map(|line| line.trim().to_string())
    }

    /// Asks a question and waits for the answer (empty at the end of input).
    pub async fn ask(&mut self, prompt: &str) -> String {
        println!("{prompt}");
        self.next().await.unwrap_or_default()
    }
}

/// The local time of day, as event lines show it.
pub fn clock() -> String {
    jiff::Zoned::now().strftime("%H:%M").to_string()
}

/// Prints one line of what happened, behind the local time.
pub fn event(text: &str) {
    println!("{} {text}", clock());
}

/// The languages of the terminal's locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), as BCP 47 tags;
/// English when none is set.
pub fn locale_languages() -> Vec<String> {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .filter_map(|name| std::env::var(name).ok())
        .find(|value| !value.is_empty() && value != "C" && value != "POSIX");
    let tag = locale.and_then(|value| {
        let tag = value
            .split(['.', '@'])
            .next()
            .unwrap_or_default()
            .replace('_', "-");
        (!tag.is_empty()).then_some(tag)
    });
    vec![tag.unwrap_or_else(|| "en".to_string())]
}

/// This device: its client, and the state file it is kept in under the passphrase. Both sides
/// send, receive and replenish keys through it, saving after every change.
pub struct Device<'a> {
    pub client: Client,
    pub state: &'a Path,
    passphrase: &'a str,
}

/// What an envelope turned out to hold.
pub enum Incoming {
    Message {
        from: String,
        text: String,
    },
    /// A seeker's callback request: when it is safe to answer them.
    Callback {
        from: String,
        window: String,
        note: Option<String>,
    },
    /// A hand-off summary from the colleague who handed a conversation over.
    Summary {
        from: String,
        text: String,
    },
    /// The sender's safety number changed (a new phone, or someone else); it is trusted from now
    /// on, and the person should be told.
    NewSafetyNumber {
        from: String,
        text: String,
    },
    Unreadable(ClientError),
}

impl<'a> Device<'a> {
    pub fn new(client: Client, state: &'a Path, passphrase: &'a str) -> Device<'a> {
        Device {
            client,
            state,
            passphrase,
        }
    }

    pub async fn save(&self) -> Result<(), ClientError> {
        self.client.save(self.state, self.passphrase).await
    }

    /// Encrypts and sends `text` to `recipient`. A changed safety number stops the send: the
    /// person is told (of `whom`), and the next message trusts the new one.
    pub async fn send(
        &mut self,
        recipient: &str,
        text: &str,
        whom: &str,
    ) -> Result<(), ClientError> {
        match self.client.send_text(recipient, text.as_bytes()).await {
            Ok(_) => {}
            Err(ClientError::IdentityChanged { .. }) => {
                println!(
                    "The safety number of {whom} changed (a new phone, or someone else). Ask them about it; your next message trusts the new one."
                );
                self.client.accept_new_identity(recipient).await?;
            }
            Err(error) => println!("Not sent: {}", failure(&error)),
        }
        self.save().await
    }

    /// Decrypts an envelope, then acknowledges it and saves the sessions.
    pub async fn receive(
        &mut self,
        envelope: &Envelope,
        socket: &mut Socket,
    ) -> Result<Incoming, ClientError> {
        let text = |plaintext: &[u8]| String::from_utf8_lossy(plaintext).to_string();
        let incoming = match self.client.open_noting_new_identity(envelope).await {
            Ok((received, changed)) => {
                let from = received.from_account.clone();
                match (received.callback_request(), received.summary, changed) {
                    (Some(details), _, _) => Incoming::Callback {
                        from,
                        window: details.window,
                        note: details.note,
                    },
                    (None, true, _) => Incoming::Summary {
                        text: received
                            .handoff_summary()
                            .map(|summary| summary.text)
                            .unwrap_or_default(),
                        from,
                    },
                    (None, false, false) => Incoming::Message {
                        text: text(&received.plaintext),
                        from,
                    },
                    (None, false, true) => Incoming::NewSafetyNumber {
                        text: text(&received.plaintext),
                        from,
                    },
                }
            }
            Err(error) => Incoming::Unreadable(error),
        };
        socket.acknowledge(vec![envelope.id]).await?;
        self.save().await?;
        Ok(incoming)
    }

    /// Uploads more one-time prekeys when the server says they run low.
    pub async fn replenish(&mut self) -> Result<(), ClientError> {
        self.client.replenish().await?;
        self.save().await
    }
}

/// Prints what arrived, naming its sender as `name` does.
pub fn show(incoming: &Incoming, name: &str) {
    match incoming {
        Incoming::Message { text, .. } => event(&format!("{name}: {text}")),
        Incoming::Callback { window, note, .. } => {
            event(&format!("{name} asks to be answered later. Safe: {window}"));
            if let Some(note) = note {
                println!("  {note}");
            }
        }
        Incoming::Summary { text, .. } => event(&format!(
            "{name} passes on, with the seeker's yes, what you need to know: {text}"
        )),
        Incoming::NewSafetyNumber { text, .. } => {
            println!("The safety number of {name} changed (a new phone, or someone else).");
            event(&format!("{name}: {text}"));
        }
        Incoming::Unreadable(error) => println!("A message could not be read: {error}"),
    }
}

impl Incoming {
    /// The sender's account, when the envelope could be read.
    pub fn sender(&self) -> Option<&str> {
        match self {
            Incoming::Message { from, .. }
            | Incoming::Callback { from, .. }
            | Incoming::Summary { from, .. }
            | Incoming::NewSafetyNumber { from, .. } => Some(from),
            Incoming::Unreadable(_) => None,
        }
    }
}

/// Exchanges the refresh token shortly before the access token expires, so a long session at
/// the terminal never meets a 401.
pub async fn fresh(client: &mut Client) -> Result<(), ClientError> {
    client.refresh_if_expiring(60).await.map(|_| ())
}

/// What a failed request says to a person.
pub fn failure(error: &ClientError) -> String {
    match error {
        ClientError::Http { body, .. } => body["error"]["message"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| error.to_string()),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_shows_the_servers_message() {
        let error = ClientError::Http {
            status: 409,
            code: "already_claimed".into(),
            body: serde_json::json!({"error": {"code": "already_claimed", "message": "Taken."}}),
        };
        assert_eq!(failure(&error), "Taken.");
        assert_eq!(
            failure(&ClientError::Transport("down".into())),
            "transport: down"
        );
    }
}
