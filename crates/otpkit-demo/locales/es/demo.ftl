# Las páginas propias de la demo (inicio, registro, página protegida, bandeja de salida,
# errores) y su diseño. El diseño usa también los mensajes common-* de otpkit.

## Diseño
demo-nav-protected = Página protegida
demo-nav-outbox = Bandeja de salida
demo-nav-signup = Registrarse
demo-badge-verified = verificada
demo-footer = Demo de otpkit. Las sesiones se conservan (en su base de datos o en Redis): al reiniciar el servidor no se cierra ninguna sesión.
demo-devmode = Modo de desarrollo:
demo-devmode-banner = los códigos por correo electrónico no se envían. Los encontrarás en la bandeja de salida y en la consola del servidor; define OTPKIT_SMTP_URL para enviarlos.
demo-devmode-open-outbox = Abrir la bandeja de salida

## Títulos de página
demo-title-home = Inicio
demo-title-signup = Registrarse
demo-title-protected = Página protegida
demo-title-outbox = Bandeja de salida
demo-title-not-found = Página no encontrada
demo-title-error = Algo salió mal
demo-title-expired = Página caducada

## Inicio
demo-home-heading = Demo de otpkit
demo-state-anonymous = No has iniciado sesión.
demo-state-pending = Has introducido tu contraseña. Introduce tu código de verificación para terminar de iniciar sesión.
demo-state-authenticated = Has iniciado sesión como { $user } solo con tu contraseña: esta sesión no está verificada con un segundo paso.
demo-state-verified = Has iniciado sesión como { $user } y esta sesión está verificada con «{ $device }».
demo-state-verified-at = Verificada:
demo-try = Pruébalo
demo-try-signup = Registrarse
demo-try-signup-hint = con un nombre de usuario y una contraseña.
demo-try-sign-in = Iniciar sesión
demo-try-sign-in-hint = si ya tienes una cuenta.
demo-try-finish = Terminar de iniciar sesión
demo-try-finish-hint = con tu código de verificación.
demo-try-set-up = Configurar la verificación en dos pasos
demo-try-set-up-hint = con una aplicación de autenticación, códigos por correo electrónico o códigos de respaldo.
demo-try-verify = Verificar esta sesión
demo-try-verify-hint = con un código de verificación.
demo-try-protected = Abrir la página protegida
demo-try-protected-hint = solo las sesiones verificadas llegan a ella.
demo-try-manage = Gestionar la verificación en dos pasos
demo-try-manage-hint = añadir una aplicación de autenticación o códigos por correo electrónico, crear nuevos códigos de respaldo, cambiar el nombre de un método o quitarlo.
demo-try-passkey-hint = iniciar sesión con un toque o el bloqueo de pantalla en lugar de un código; no se puede suplantar.
demo-try-again = Cierra la sesión y vuelve a iniciarla con tu contraseña y un código de verificación o un código de respaldo.
demo-try-admin = Abrir la administración
demo-try-admin-hint = eres del personal; pide una sesión verificada.
demo-try-outbox = Leer la bandeja de salida
demo-try-outbox-hint = en el modo de desarrollo los códigos por correo electrónico no se envían.

## Registro
demo-signup-username = Nombre de usuario
demo-signup-username-hint = Letras, dígitos y @ . + - _
demo-signup-email = Correo electrónico (opcional)
demo-signup-email-hint = Los códigos por correo electrónico se envían aquí, salvo que elijas otra dirección.
demo-signup-password = Contraseña
demo-signup-password-hint = Al menos 8 caracteres.
demo-signup-password2 = Repite la contraseña
demo-signup-submit = Crear cuenta
demo-signup-have-account = ¿Ya tienes una cuenta?
demo-signup-signed-in = Has iniciado sesión como { $user }. Cierra la sesión para crear otra cuenta.
demo-signup-signed-in-refused = Has iniciado sesión. Cierra la sesión para crear otra cuenta.
demo-signup-errors = No se creó la cuenta:
demo-signup-passwords-differ = Las dos contraseñas no coinciden.
demo-signup-exists = Ya existe un usuario con ese nombre de usuario.
demo-signup-username-length = { $max ->
       *[other] El nombre de usuario debe tener entre 1 y { $max } caracteres.
    }
demo-signup-username-chars = El nombre de usuario solo puede contener letras, dígitos y @ . + - _
demo-signup-password-short = { $min ->
        [one] La contraseña debe tener al menos 1 carácter.
       *[other] La contraseña debe tener al menos { $min } caracteres.
    }
demo-signup-password-long = La contraseña debe tener como máximo { $max } bytes.
demo-signup-email-invalid = Introduce un correo electrónico válido (nombre@example.com) o deja el campo vacío.
demo-signup-unreadable = No se pudo leer el formulario de registro. Rellénalo de nuevo.
demo-signup-failed = No se pudo crear la cuenta. Vuelve a intentarlo más tarde.

## Página protegida
demo-protected-welcome = Solo las sesiones verificadas llegan a esta página. Te damos la bienvenida, { $user }: «{ $device }» verificó esta sesión.
demo-protected-how = Esta ruta está envuelta en otp_required(): quien no ha iniciado sesión, o no está verificado, va a la página de inicio de sesión y vuelve aquí después.

## Bandeja de salida
demo-outbox-note = Modo de desarrollo: estos correos no se enviaron porque OTPKIT_SMTP_URL no está definido. La demo guarda aquí los últimos { $n }, el más reciente primero, y los muestra en la consola del servidor. Quien pueda abrir esta página puede leer todos los códigos: no expongas nunca el modo de desarrollo.
demo-outbox-date = Fecha
demo-outbox-from = De
demo-outbox-to = Para
demo-outbox-subject = Asunto
demo-outbox-empty = Aún no hay correos. Añade códigos por correo electrónico en la verificación en dos pasos o pide un código por correo al iniciar sesión.
demo-outbox-none = No hay bandeja de salida: el correo se envía por SMTP (OTPKIT_SMTP_URL).

## Errores
demo-not-found = No hay ninguna página en esta dirección.
demo-expired = Esta página ha caducado. Vuelve a intentarlo.
demo-back-home = Volver a la página de inicio
demo-recent-link = Una página que pide una confirmación reciente
demo-recent-welcome = Confirmaste que eres tú hace { $secs } segundos.
demo-recent-how = Esta ruta está protegida por step_up().max_age(60): una confirmación de más de 60 segundos se vuelve a pedir y después vuelves aquí.
