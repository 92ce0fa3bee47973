# Error messages a seeker's app may show, by error code. English is the fallback; every message
# exists in every language (a test checks). Keep them short, plain and calm: the reader may be
# frightened, or reading over someone's shoulder.

malformed_json = The request could not be read.
invalid_body = The request is incomplete or has a mistake.
invalid_parameter = A value in the request is not valid.
payload_too_large = The request is too large.
unsupported_media_type = The request is in a format that is not accepted.
not_found = Not found.
unauthenticated = Please sign in again.
forbidden = Not allowed.
invalid_state = This cannot be done right now.
reopen_window_passed = This conversation can no longer be reopened. You can start a new one.
invalid_refresh_token = Your session has ended. Please sign in again.
refresh_token_reused = Your session was closed for your safety. Please sign in again.
invalid_challenge = The check has expired. Please try again.
invalid_proof_of_work = The check did not pass. Please try again.
rate_limited = Too many attempts. Please try again later.
too_many_devices = This account has too many devices. Remove one first.
last_device = The last device cannot be removed.
internal_error = Something went wrong. Please try again.
service_unavailable = The service is busy. Please try again shortly.
