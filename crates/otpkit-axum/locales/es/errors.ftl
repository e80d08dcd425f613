# Mensajes de los códigos de error estables (docs/behaviour.md §7.4).
error-token_required = Introduce tu código de verificación.
error-challenge_exception = No pudimos enviarte un código. Vuelve a intentarlo en un momento.
error-not_interactive = Este método no puede enviarte un código. Introduce un código de tu aplicación de autenticación o un código de respaldo.
error-challenge_message = Te hemos enviado un código. Introdúcelo abajo.
error-invalid_token = Ese código no es válido. Compruébalo y vuelve a intentarlo, o usa el código más reciente.
error-n_failed_attempts = Demasiados códigos incorrectos. Vuelve a intentarlo dentro de { $n ->
        [one] 1 segundo
       *[other] { $n } segundos
    }.
error-verification_not_allowed = Ahora mismo no puedes usar este método. Usa otro.
error-device_required = Elige cómo quieres confirmar que eres tú.
error-device_locked = Este método está bloqueado por demasiados códigos incorrectos. Usa otro método o pide a un administrador que lo desbloquee.
error-challenge_cooldown = Espera { $n ->
        [one] 1 segundo
       *[other] { $n } segundos
    } antes de pedir otro código.
error-no_device = La verificación en dos pasos es obligatoria, pero tu cuenta aún no tiene ningún método configurado.
error-invalid_login = El nombre de usuario o la contraseña no son correctos. Ambos distinguen entre mayúsculas y minúsculas.
error-login_expired = Tu inicio de sesión tardó demasiado. Vuelve a iniciar sesión.
error-otp_required = Confirma que eres tú con un código de verificación.
error-reauth_required = Confirma que eres tú con un código de verificación para continuar.
error-csrf_failed = Esta página ha caducado. Vuelve a intentarlo.
error-bad_request = No se pudo entender la solicitud.
error-internal_error = No es posible iniciar sesión en este momento. Vuelve a intentarlo más tarde.
error-payload_too_large = La solicitud es demasiado grande.
error-not_found = No se encontró ese método.
error-forbidden = No tienes permiso para ver esta página.
error-unlock_not_allowed = Solo puedes desbloquear este método después de confirmar que eres tú con otro.
error-kind_unavailable = Los códigos por correo electrónico no están disponibles en este sitio.
error-step_up_required = Confirma de nuevo que eres tú para continuar.
error-enrolment_required = Este sitio exige la verificación en dos pasos para tu cuenta. Configura un método para continuar.
