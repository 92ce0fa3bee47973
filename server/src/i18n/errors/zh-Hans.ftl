# Error messages a seeker's app may show, by error code (zh-Hans). See en.ftl.

malformed_json = 无法读取请求。
invalid_body = 请求不完整或有错误。
invalid_parameter = 请求中的某个值无效。
payload_too_large = 请求过大。
unsupported_media_type = 不接受该请求格式。
not_found = 未找到。
unauthenticated = 请重新登录。
forbidden = 不允许此操作。
invalid_state = 目前无法执行此操作。
reopen_window_passed = 此对话已无法重新打开。您可以开始新的对话。
invalid_refresh_token = 您的会话已结束。请重新登录。
refresh_token_reused = 为了您的安全，您的会话已被关闭。请重新登录。
invalid_challenge = 验证已过期。请重试。
invalid_proof_of_work = 验证失败。请重试。
rate_limited = 尝试次数过多。请稍后再试。
too_many_devices = 此账户的设备过多。请先移除一个。
last_device = 无法移除最后一个设备。
internal_error = 出了点问题。请重试。
service_unavailable = 服务繁忙。请稍后再试。
