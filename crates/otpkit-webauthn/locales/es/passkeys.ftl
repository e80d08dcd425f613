# Passkeys y llaves de seguridad (parte web de otpkit-webauthn).
passkey-use = Usar su llave de seguridad o passkey
passkey-verify-title = Iniciar sesión con su llave de seguridad
passkey-verify-hint = Pulse el botón y luego toque su llave de seguridad o confirme con el bloqueo de pantalla de su dispositivo.
passkey-other-method = Usar otro método
passkey-new-title = Añadir una llave de seguridad o passkey
passkey-new-intro = Una llave de seguridad o passkey le permite iniciar sesión con un toque, una huella o el bloqueo de pantalla de su dispositivo. No se puede suplantar.
passkey-name-label = Nombre
passkey-name-hint = Para distinguir sus llaves, por ejemplo «Llave azul». Déjelo vacío para usar el modelo de la llave.
passkey-new-button = Añadirla
passkey-error = No ha funcionado. Inténtelo de nuevo o use otro método.
passkey-needs-script = Este paso necesita JavaScript en su navegador.
passkey-default-name = Passkey
