# Error messages a seeker's app may show, by error code (ar). See en.ftl.

malformed_json = تعذّرت قراءة الطلب.
invalid_body = الطلب غير مكتمل أو يحتوي على خطأ.
invalid_parameter = إحدى القيم في الطلب غير صالحة.
payload_too_large = الطلب كبير جدًا.
unsupported_media_type = صيغة الطلب غير مقبولة.
not_found = غير موجود.
unauthenticated = يرجى تسجيل الدخول مرة أخرى.
forbidden = غير مسموح.
invalid_state = لا يمكن القيام بذلك الآن.
reopen_window_passed = لم يعد من الممكن إعادة فتح هذه المحادثة. يمكنك بدء محادثة جديدة.
invalid_refresh_token = انتهت جلستك. يرجى تسجيل الدخول مرة أخرى.
refresh_token_reused = أُغلقت جلستك حفاظًا على سلامتك. يرجى تسجيل الدخول مرة أخرى.
invalid_challenge = انتهت صلاحية التحقق. يرجى المحاولة مرة أخرى.
invalid_proof_of_work = فشل التحقق. يرجى المحاولة مرة أخرى.
rate_limited = محاولات كثيرة جدًا. يرجى المحاولة لاحقًا.
too_many_devices = لهذا الحساب أجهزة كثيرة جدًا. أزل أحدها أولًا.
last_device = لا يمكن إزالة الجهاز الأخير.
internal_error = حدث خطأ ما. يرجى المحاولة مرة أخرى.
service_unavailable = الخدمة مشغولة. يرجى المحاولة بعد قليل.
