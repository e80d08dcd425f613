# Passkeys y llaves de seguridad (parte web de otpkit-webauthn). De tú, como las páginas de
# inicio de sesión de otpkit.
passkey-use = Usar tu llave de seguridad o passkey
passkey-verify-title = Iniciar sesión con tu llave de seguridad
passkey-verify-hint = Pulsa el botón y luego toca tu llave de seguridad o confirma con el bloqueo de pantalla de tu dispositivo.
passkey-other-method = Usar otro método
passkey-new-title = Añadir una llave de seguridad o passkey
passkey-new-intro = Una llave de seguridad o passkey te permite iniciar sesión con un toque, una huella o el bloqueo de pantalla de tu dispositivo. No se puede suplantar.
passkey-name-label = Nombre
passkey-name-hint = Para distinguir tus llaves, por ejemplo «Llave azul». Déjalo vacío para usar el modelo de la llave.
passkey-new-button = Añadirla
passkey-error = No ha funcionado. Inténtalo de nuevo o usa otro método.
passkey-needs-script = Este paso necesita JavaScript en tu navegador.
passkey-default-name = Passkey
# Inicio de sesión sin contraseña (cuando el sitio lo permite).
passkey-sign-in-link = Iniciar sesión con una passkey
passkey-sign-in-title = Iniciar sesión con una passkey
passkey-sign-in-hint = Pulsa el botón, elige tu passkey y confirma con tu huella, tu cara o el bloqueo de pantalla. No hace falta contraseña.
passkey-sign-in-button = Iniciar sesión con una passkey
passkey-sign-in-password = Iniciar sesión con la contraseña
passkey-sign-in-needs-fallback = Tu cuenta aún no tiene otra forma de iniciar sesión. Inicia sesión con tu contraseña y añade una aplicación de autenticación o códigos de respaldo.
