# La lista de dispositivos (/devices/), sus acciones y páginas de confirmación.

devices-title = Tus métodos de inicio de sesión
devices-caption = Tus métodos de inicio de sesión y lo que puedes hacer con cada uno
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
devices-none = Aún no tienes ningún método de inicio de sesión además de tu contraseña.
devices-add-title = Añadir un método de inicio de sesión
devices-add-backup-codes = Obtener códigos de respaldo
devices-add-backup-codes-hint = Los códigos de respaldo te permiten iniciar sesión cuando no puedes usar tus otros métodos. Cada uno funciona una vez.
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

devices-name-required = Escribe un nombre.
devices-name-too-long = Usa como máximo { $max } caracteres.
devices-name-invalid = El nombre contiene caracteres no permitidos.

devices-renamed = Nombre cambiado a «{ $name }».
devices-unlocked = «{ $name }» está desbloqueado.
devices-removed = Se ha eliminado «{ $name }».
devices-removed-own = Has eliminado «{ $name }», el método con el que iniciaste sesión. Esta sesión ya no está verificada: verifícala con otro método para continuar.
devices-removed-own-last = Has eliminado «{ $name }», el método con el que iniciaste sesión. Esta sesión ya no está verificada y no te queda ningún método de inicio de sesión: añade uno para proteger tu cuenta.

devices-remove-title = ¿Eliminar «{ $name }»?
devices-remove-what = Ya no podrás iniciar sesión con él.
devices-remove-static = Tus códigos de respaldo sin usar dejarán de funcionar.
devices-remove-current = Iniciaste sesión con él en esta sesión: después, esta sesión ya no estará verificada y tendrás que verificarla con otro método para volver a gestionar tus métodos de inicio de sesión.
devices-remove-last = Es tu último método de inicio de sesión: después, solo tu contraseña protegerá tu cuenta.
devices-remove-last-required = Es tu último método de inicio de sesión: después, no podrás iniciar sesión hasta que un administrador te configure uno nuevo.
devices-remove-button = Eliminar

devices-regenerate-title = ¿Obtener nuevos códigos de respaldo?
devices-regenerate-what = { $left ->
    [0] No tienes códigos de respaldo sin usar.
    [one] Tu código de respaldo sin usar dejará de funcionar en cuanto se generen los nuevos.
   *[other] Tus { $left } códigos de respaldo sin usar dejarán de funcionar en cuanto se generen los nuevos.
}
devices-regenerate-save = Los nuevos códigos se muestran una sola vez: guárdalos en un lugar seguro.
devices-regenerate-button = Obtener nuevos códigos de respaldo

# "Tus sesiones" (/devices/, §7.7.1).
sessions-title = Tus sesiones
sessions-hint = Dónde tienes la sesión iniciada. Si no reconoces alguna, ciérrala y cambia tu contraseña.
sessions-caption = Tus sesiones iniciadas, con lo que puedes hacer con cada una
sessions-col-device = Navegador
sessions-col-signed-in = Inicio de sesión
sessions-col-last-seen = Última actividad
sessions-current = esta sesión
sessions-agent = { $browser } en { $os }
sessions-agent-os = Un navegador en { $os }
sessions-agent-unknown = Navegador desconocido
sessions-end-button = Cerrar sesión
sessions-end-label = Cerrar sesión en { $description }
sessions-end-others-button = Cerrar todas las demás sesiones
sessions-ended-one = Se cerró la sesión de { $description }.
sessions-ended-others = { $n ->
    [0] No había ninguna otra sesión que cerrar.
    [one] Se cerró 1 sesión más.
   *[other] Se cerraron { $n } sesiones más.
}
# Navegadores de confianza («Confiar en este navegador» en el paso del código).
trusted-title = Navegadores de confianza
trusted-hint = Estos navegadores inician tu sesión solo con tu contraseña. Revoca el que ya no uses o no reconozcas.
trusted-caption = Tus navegadores de confianza y lo que puedes hacer con cada uno
trusted-col-trusted = De confianza desde
trusted-revoke-button = Revocar
trusted-revoke-label = Revocar { $description }
trusted-revoke-all-button = Revocar todos los navegadores de confianza
trusted-none = No confías en ningún navegador. Marca «Confiar en este navegador» al introducir un código para añadir uno.
trusted-revoked-one = Ese navegador volverá a pedir un código.
trusted-revoked-all = { $n ->
    [0] No confiabas en ningún navegador.
    [one] 1 navegador volverá a pedir un código.
   *[other] { $n } navegadores volverán a pedir un código.
}
