# Correos de seguridad (otpkit_axum::security_mail).

security-email-method-totp = aplicación de autenticación
security-email-method-hotp = token físico
security-email-method-email = códigos por correo electrónico
security-email-method-static = códigos de respaldo
security-email-method-other = dispositivo de seguridad

security-email-added-subject = { $site }: se ha añadido un método de inicio de sesión a su cuenta
security-email-added-body = Se ha añadido este método de inicio de sesión a su cuenta: { $method }.
security-email-removed-subject = { $site }: se ha eliminado un método de inicio de sesión de su cuenta
security-email-removed-body = Se ha eliminado este método de inicio de sesión de su cuenta: { $method }.
security-email-regenerated-subject = { $site }: se han generado nuevos códigos de respaldo
security-email-regenerated-body = Se han generado nuevos códigos de respaldo para su cuenta. Sus códigos de respaldo anteriores ya no funcionan.
security-email-device-locked-subject = { $site }: se ha bloqueado un método de inicio de sesión
security-email-device-locked-body = Tras demasiados códigos incorrectos, este método de inicio de sesión de su cuenta está bloqueado: { $method }. No aceptará ningún código hasta que usted lo desbloquee desde otro método en su lista de dispositivos o lo desbloquee un administrador.
security-email-account-locked-subject = { $site }: el inicio de sesión en dos pasos de su cuenta está bloqueado
security-email-account-locked-body = Tras demasiados códigos incorrectos, su cuenta ya no acepta ningún código de autenticación. Un administrador tiene que desbloquearla.

security-email-greeting = Hola:
security-email-when = Cuándo: { $when }
security-email-change-advice = Si fue usted, no tiene que hacer nada.
security-email-lock-advice = Si se equivocó al escribir sus códigos, este es el motivo.
security-email-not-you = Si no fue usted, inicie sesión ahora, revise sus métodos de inicio de sesión y cambie su contraseña. Si no puede iniciar sesión, póngase en contacto con el administrador del sitio.
security-email-locked-not-you = Si no fue usted, alguien que conoce su contraseña está intentando iniciar sesión: cambie su contraseña ahora y póngase en contacto con el administrador del sitio.
security-email-footer = Este es un aviso de seguridad automático de { $site }.
