# La lista de dispositivos (/devices/), sus acciones y páginas de confirmación.

devices-title = Sus métodos de inicio de sesión
devices-caption = Sus métodos de inicio de sesión y lo que puede hacer con cada uno
devices-col-name = Nombre
devices-col-kind = Tipo
devices-col-details = Detalles
devices-col-last-used = Último uso
devices-col-added = Añadido
devices-col-actions = Acciones
devices-current = usado en esta sesión
devices-unconfirmed = configuración sin terminar
devices-locked = bloqueado tras demasiados códigos incorrectos
devices-throttled = en pausa tras códigos incorrectos; se podrá usar de nuevo
devices-new-name = Nuevo nombre
devices-rename-button = Cambiar nombre
devices-unlock-button = Desbloquear
devices-regenerate-link = Obtener nuevos códigos de respaldo
devices-remove-link = Eliminar
devices-none = Aún no tiene ningún método de inicio de sesión además de su contraseña.
devices-add-title = Añadir un método de inicio de sesión
devices-add-totp = Aplicación de autenticación
devices-add-totp-hint = — recomendado: una aplicación en su teléfono muestra un código nuevo cada 30 segundos.
devices-add-email = Códigos por correo electrónico
devices-add-email-hint = — al iniciar sesión se envía un código a su dirección de correo; el método menos seguro.
devices-add-backup-codes = Obtener códigos de respaldo
devices-add-backup-codes-hint = Los códigos de respaldo le permiten iniciar sesión cuando no puede usar sus otros métodos. Cada uno funciona una vez.
devices-cancel = Cancelar

devices-kind-totp = Aplicación de autenticación
devices-kind-hotp = Token físico
devices-kind-email = Códigos por correo electrónico
devices-kind-static = Códigos de respaldo

devices-codes-left-of = quedan { $left } de { $total }
devices-codes-left = { $left ->
    [one] queda { $left } código
   *[other] quedan { $left } códigos
}

devices-name-required = Escriba un nombre.
devices-name-too-long = Use como máximo { $max } caracteres.
devices-name-invalid = El nombre contiene caracteres no permitidos.

devices-renamed = Nombre cambiado a «{ $name }».
devices-unlocked = «{ $name }» está desbloqueado.
devices-removed = Se ha eliminado «{ $name }».
devices-removed-own = Ha eliminado «{ $name }», el método con el que inició sesión. Esta sesión ya no está verificada: verifíquela con otro método para continuar.
devices-removed-own-last = Ha eliminado «{ $name }», el método con el que inició sesión. Esta sesión ya no está verificada y no le queda ningún método de inicio de sesión: añada uno para proteger su cuenta.

devices-remove-title = ¿Eliminar «{ $name }»?
devices-remove-what = Ya no podrá iniciar sesión con él.
devices-remove-static = Sus códigos de respaldo sin usar dejarán de funcionar.
devices-remove-current = Inició sesión con él en esta sesión: después, esta sesión ya no estará verificada y tendrá que verificarla con otro método para volver a gestionar sus métodos de inicio de sesión.
devices-remove-last = Es su último método de inicio de sesión: después, solo su contraseña protegerá su cuenta.
devices-remove-last-required = Es su último método de inicio de sesión: después, no podrá iniciar sesión hasta que un administrador le configure uno nuevo.
devices-remove-button = Eliminar

devices-regenerate-title = ¿Obtener nuevos códigos de respaldo?
devices-regenerate-what = { $left ->
    [0] No tiene códigos de respaldo sin usar.
    [one] Su código de respaldo sin usar dejará de funcionar en cuanto se generen los nuevos.
   *[other] Sus { $left } códigos de respaldo sin usar dejarán de funcionar en cuanto se generen los nuevos.
}
devices-regenerate-save = Los nuevos códigos se muestran una sola vez: guárdelos en un lugar seguro.
devices-regenerate-button = Obtener nuevos códigos de respaldo
