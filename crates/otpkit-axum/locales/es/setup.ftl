# La configuración guiada (paquete C): elegir un método, conectarlo, guardar los códigos de respaldo, listo.

## Pasos

setup-steps-label = Pasos de la configuración
setup-step-choose = Elegir un método
setup-step-connect = Conectarlo
setup-step-codes = Guardar los códigos de respaldo
setup-step-done = Listo

## Elegir un método

setup-choose-title-first = Activar el inicio de sesión en dos pasos
setup-choose-title = Añadir un método de inicio de sesión
setup-choose-intro = Después de la contraseña, también introducirá un código del método que elija aquí. Quien descubra su contraseña seguirá sin poder iniciar sesión.
setup-method-totp = Aplicación de autenticación
setup-recommended = Recomendado
setup-method-totp-hint = Use una aplicación como Google Authenticator, Microsoft Authenticator o 1Password. Muestra un código nuevo cada 30 segundos, incluso sin conexión.
setup-method-email = Códigos por correo electrónico
setup-method-email-hint = Le enviamos un código a su dirección de correo electrónico cada vez que inicia sesión. Cualquiera que pueda leer su correo puede usarlo.
setup-no-method = Aquí no se puede configurar ningún método de inicio de sesión. Pida ayuda a un administrador.
setup-cancel = Cancelar
setup-other-method = Elegir otro método

## Aplicación de autenticación

setup-totp-title = Configurar una aplicación de autenticación
setup-totp-default-name = Aplicación de autenticación
setup-totp-intro = Escaneará un código QR con una aplicación de autenticación en su teléfono y luego introducirá el código que muestre.
setup-name-label = Nombre (opcional)
setup-name-hint = Le ayuda a distinguir sus métodos, por ejemplo «Teléfono del trabajo».
setup-continue = Continuar
setup-totp-scan-heading = 1. Escanee el código QR
setup-totp-scan = Abra su aplicación de autenticación, añada una cuenta y escanee este código.
setup-totp-qr-label = Código QR para escanear con su aplicación de autenticación
setup-totp-key-intro = ¿No puede escanearlo? Introduzca esta clave en la aplicación (basada en el tiempo):
setup-copy-key = Copiar la clave
setup-key-copied = Clave copiada
setup-totp-show-uri = Mostrar el enlace de configuración
setup-totp-code-heading = 2. Introduzca el código de la aplicación
setup-code-label = Código de verificación
setup-totp-code-hint = El código de { $digits } cifras que la aplicación muestra para esta cuenta.
setup-turn-on = Activar

## Códigos por correo electrónico

setup-email-title = Configurar los códigos por correo electrónico
setup-email-warning = El correo electrónico es el método menos seguro: cualquiera que pueda leer su correo puede iniciar sesión con él.
setup-email-label = Dirección de correo electrónico
setup-email-hint = Enviaremos un código a esta dirección para comprobarla.
setup-send-code = Enviar un código
setup-email-code-label = Código del correo
setup-email-code-hint = El código del correo que acabamos de enviarle.
setup-resend = Enviar un código nuevo

## Códigos de respaldo

setup-codes-title = Guarde sus códigos de respaldo
setup-codes-title-plain = Códigos de respaldo
setup-codes-intro = Si pierde su teléfono, puede iniciar sesión con uno de estos códigos. Cada código funciona una sola vez. Guárdelos en un lugar seguro, como un gestor de contraseñas o una copia impresa. Solo se muestran ahora.
setup-codes-download = Descargar
setup-codes-print = Imprimir
setup-codes-copy = Copiar
setup-codes-copied = Códigos copiados
setup-codes-done = Listo
setup-codes-shown = Sus códigos de respaldo se mostraron una vez, cuando se crearon, y no se pueden volver a mostrar.
setup-codes-lost = Si no los guardó, cree otros nuevos: los nuevos códigos sustituyen a los anteriores, que dejarán de funcionar.
setup-codes-make-new = Crear nuevos códigos de respaldo
setup-back = Volver
setup-codes-unconfirmed = Confirme que ha guardado sus códigos de respaldo.
setup-codes-saved = He guardado estos códigos

## Listo

setup-done-title = El inicio de sesión en dos pasos está activado
setup-done-named = «{ $name }» está configurado.
setup-done-generic = Su método de inicio de sesión está configurado.
setup-done-next-totp = La próxima vez que inicie sesión, introduzca su contraseña y luego un código de su aplicación de autenticación.
setup-done-next-email = La próxima vez que inicie sesión, introduzca su contraseña y luego un código de su correo electrónico.
setup-done-next-other = La próxima vez que inicie sesión, introduzca su contraseña y luego un código.
setup-lost-heading = Si pierde su teléfono
setup-lost-backup = Inicie sesión con uno de sus códigos de respaldo en lugar de un código de la aplicación.
setup-lost-new-phone = Después, configure aquí su nuevo teléfono y quite el antiguo de sus métodos de inicio de sesión.
setup-lost-admin = Si ya no le quedan códigos de respaldo, pida a un administrador que restablezca su inicio de sesión.
setup-done-continue = Continuar
setup-done-manage = Gestionar sus métodos de inicio de sesión
setup-grace-reminder = La verificación en dos pasos será obligatoria para tu cuenta a partir del { $until }. Configúrala ahora, o
setup-grace-later = continúa sin ella por ahora
