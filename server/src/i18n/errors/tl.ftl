# Error messages a seeker's app may show, by error code (tl). See en.ftl.

malformed_json = Hindi mabasa ang kahilingan.
invalid_body = Kulang o may mali ang kahilingan.
invalid_parameter = May halagang hindi tama sa kahilingan.
payload_too_large = Masyadong malaki ang kahilingan.
unsupported_media_type = Hindi tinatanggap ang format ng kahilingan.
not_found = Hindi nahanap.
unauthenticated = Mag-sign in muli.
forbidden = Hindi pinapayagan.
invalid_state = Hindi ito magagawa sa ngayon.
reopen_window_passed = Hindi na mabubuksan muli ang usapang ito. Maaari kang magsimula ng bago.
invalid_refresh_token = Natapos na ang iyong session. Mag-sign in muli.
refresh_token_reused = Isinara ang iyong session para sa iyong kaligtasan. Mag-sign in muli.
invalid_challenge = Nag-expire ang pagsusuri. Subukan muli.
invalid_proof_of_work = Hindi pumasa ang pagsusuri. Subukan muli.
rate_limited = Masyadong maraming pagsubok. Subukan muli mamaya.
too_many_devices = Masyadong marami ang device ng account na ito. Mag-alis muna ng isa.
last_device = Hindi maaaring alisin ang huling device.
internal_error = May nangyaring mali. Subukan muli.
service_unavailable = Abala ang serbisyo. Subukan muli maya-maya.
