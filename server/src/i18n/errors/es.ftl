# Error messages a seeker's app may show, by error code (es). See en.ftl.

malformed_json = No se pudo leer la solicitud.
invalid_body = La solicitud está incompleta o tiene un error.
invalid_parameter = Un valor de la solicitud no es válido.
payload_too_large = La solicitud es demasiado grande.
unsupported_media_type = El formato de la solicitud no se acepta.
not_found = No encontrado.
unauthenticated = Vuelva a iniciar sesión.
forbidden = No permitido.
invalid_state = Esto no se puede hacer ahora.
reopen_window_passed = Esta conversación ya no se puede reabrir. Puede iniciar una nueva.
invalid_refresh_token = Su sesión terminó. Vuelva a iniciar sesión.
refresh_token_reused = Su sesión se cerró por su seguridad. Vuelva a iniciar sesión.
invalid_challenge = La verificación caducó. Inténtelo de nuevo.
invalid_proof_of_work = La verificación falló. Inténtelo de nuevo.
rate_limited = Demasiados intentos. Inténtelo más tarde.
too_many_devices = Esta cuenta tiene demasiados dispositivos. Quite uno primero.
last_device = No se puede quitar el último dispositivo.
internal_error = Algo salió mal. Inténtelo de nuevo.
service_unavailable = El servicio está ocupado. Inténtelo de nuevo en un momento.
