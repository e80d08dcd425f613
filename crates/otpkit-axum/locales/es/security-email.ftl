# Correos de seguridad (otpkit_axum::security_mail).

security-email-method-totp = aplicación de autenticación
security-email-method-hotp = token físico
security-email-method-email = códigos por correo electrónico
security-email-method-static = códigos de respaldo
security-email-method-other = dispositivo de seguridad

security-email-added-subject = { $site }: se ha añadido un método de inicio de sesión a tu cuenta
security-email-added-body = Se ha añadido este método de inicio de sesión a tu cuenta: { $method }.
security-email-removed-subject = { $site }: se ha eliminado un método de inicio de sesión de tu cuenta
security-email-removed-body = Se ha eliminado este método de inicio de sesión de tu cuenta: { $method }.
security-email-regenerated-subject = { $site }: se han generado nuevos códigos de respaldo
security-email-regenerated-body = Se han generado nuevos códigos de respaldo para tu cuenta. Tus códigos de respaldo anteriores ya no funcionan.
security-email-device-locked-subject = { $site }: se ha bloqueado un método de inicio de sesión
security-email-device-locked-body = Tras demasiados códigos incorrectos, este método de inicio de sesión de tu cuenta está bloqueado: { $method }. No aceptará ningún código hasta que lo desbloquees desde otro método en tu lista o lo desbloquee un administrador.
security-email-account-locked-subject = { $site }: la verificación en dos pasos de tu cuenta está bloqueada
security-email-account-locked-body = Tras demasiados códigos incorrectos, tu cuenta ya no acepta ningún código de verificación. Un administrador tiene que desbloquearla.

security-email-greeting = Hola:
security-email-when = Cuándo: { $when }
security-email-change-advice = Si fuiste tú, no tienes que hacer nada.
security-email-lock-advice = Si te equivocaste al escribir tus códigos, este es el motivo.
security-email-not-you = Si no fuiste tú, inicia sesión ahora, revisa tus métodos de inicio de sesión y cambia tu contraseña. Si no puedes iniciar sesión, ponte en contacto con el administrador del sitio.
security-email-locked-not-you = Si no fuiste tú, alguien que conoce tu contraseña está intentando iniciar sesión: cambia tu contraseña ahora y ponte en contacto con el administrador del sitio.
security-email-footer = Este es un aviso de seguridad automático de { $site }.
