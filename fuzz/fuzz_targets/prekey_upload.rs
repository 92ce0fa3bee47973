//! Key uploads: any body and any key bytes are refused or accepted, never a panic; a key is
//! accepted only if its signature checks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use quietline_protocol::keys;
use quietline_protocol::relay::{DeviceKeys, PreKeyUpload};

fuzz_target!(|data: &[u8]| {
    let _ = keys::ec_public_key(data);
    if let Some((identity, body)) = data.split_at_checked(33) {
        if let Ok(upload) = serde_json::from_slice::<PreKeyUpload>(body) {
            let _ = keys::check_upload(identity, &upload);
        }
    }
    if let Ok(device) = serde_json::from_slice::<DeviceKeys>(data) {
        let _ = keys::check_device_keys(&device);
    }
});
