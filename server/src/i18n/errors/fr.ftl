# Error messages a seeker's app may show, by error code (fr). See en.ftl.

malformed_json = La demande n'a pas pu être lue.
invalid_body = La demande est incomplète ou contient une erreur.
invalid_parameter = Une valeur de la demande n'est pas valide.
payload_too_large = La demande est trop volumineuse.
unsupported_media_type = Le format de la demande n'est pas accepté.
not_found = Introuvable.
unauthenticated = Veuillez vous reconnecter.
forbidden = Action non permise.
invalid_state = Cette action n'est pas possible pour le moment.
reopen_window_passed = Cette conversation ne peut plus être rouverte. Vous pouvez en commencer une nouvelle.
invalid_refresh_token = Votre session a pris fin. Veuillez vous reconnecter.
refresh_token_reused = Votre session a été fermée pour votre sécurité. Veuillez vous reconnecter.
invalid_challenge = La vérification a expiré. Veuillez réessayer.
invalid_proof_of_work = La vérification a échoué. Veuillez réessayer.
rate_limited = Trop de tentatives. Veuillez réessayer plus tard.
too_many_devices = Ce compte a trop d'appareils. Retirez-en un d'abord.
last_device = Le dernier appareil ne peut pas être retiré.
internal_error = Un problème est survenu. Veuillez réessayer.
service_unavailable = Le service est occupé. Veuillez réessayer dans un instant.
