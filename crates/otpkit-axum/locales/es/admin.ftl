# El área de administración (/admin/): los métodos de inicio de sesión de todos los usuarios.

admin-list-title = Métodos de inicio de sesión de todos los usuarios
admin-list-caption = Métodos de inicio de sesión de todos los usuarios, con su estado
admin-add-link = Añadir un método de inicio de sesión
admin-filter-search = Buscar (usuario, nombre o dirección de correo)
admin-filter-all = Todos
admin-yes = Sí
admin-no = No
admin-any-date = Cualquier fecha
admin-today = Hoy
admin-past-7-days = Últimos 7 días
admin-past-30-days = Últimos 30 días
admin-never = Nunca
admin-filter-button = Filtrar
admin-col-select = Seleccionar
admin-col-user = Usuario
admin-col-name = Nombre
admin-col-kind = Tipo
admin-col-added = Añadido
admin-col-last-used = Último uso
admin-col-confirmed = Configurado
admin-col-failures = Códigos incorrectos seguidos
admin-col-locked = Bloqueado
admin-col-qr = Código QR
admin-select = Seleccionar { $name }
admin-qr-link = Mostrar el código QR
admin-none = Ningún método de inicio de sesión coincide.
admin-reset-selected = Desbloquear los métodos seleccionados

admin-add-title = Añadir un método de inicio de sesión
admin-field-user = ID de usuario
admin-kind-totp = Aplicación de autenticación (basada en el tiempo)
admin-kind-hotp = Token físico (basado en un contador)
admin-kind-email = Códigos por correo electrónico
admin-kind-static = Códigos de respaldo
admin-field-name-optional = Nombre (opcional)
admin-field-key = Clave
admin-key-format = Formato de la clave
admin-format-base32 = base32
admin-format-hex = hex
admin-field-key-hint = Para una aplicación de autenticación o un token físico; déjala vacía para generar una.
admin-field-email = Dirección de correo electrónico
admin-field-email-hint = Para códigos por correo electrónico; déjala vacía para usar la dirección del usuario.
admin-save = Guardar

admin-qr-alt = Código QR de la configuración de este método de inicio de sesión
admin-back-to-device = Volver al método de inicio de sesión

admin-device-title = Método de inicio de sesión
admin-config-title = Configuración
admin-codes-title = Nuevos códigos de respaldo
admin-new-key-once = La clave de este método de inicio de sesión, mostrada solo ahora:
admin-device-id = ID persistente
admin-locked = bloqueado
admin-paused = en pausa; se podrá usar de nuevo
admin-codes-hint = Los códigos de respaldo solo se muestran una vez, justo después de generarlos. Para volver a ver códigos, genera otros nuevos: sustituyen a los actuales.
admin-key-current = Clave (base32):
admin-field-new-key = Nueva clave (vacía conserva la actual)
admin-field-digits = Dígitos (6–8)
admin-field-tolerance = Tolerancia
admin-field-step = Intervalo (segundos)
admin-field-t0 = T0 (segundos Unix)
admin-field-drift = Desfase (intervalos)
admin-field-counter = Contador
admin-empty-keeps = Los campos vacíos conservan su valor actual (mostrado arriba).
admin-confirm-button = Marcar como configurado
admin-reset-button = Desbloquear (poner a cero los códigos incorrectos)
admin-codes-button = Generar códigos de respaldo
admin-delete-button = Eliminar
admin-back-to-list = Volver a la lista

admin-reset-done = { $n ->
    [one] Se ha desbloqueado { $n } método de inicio de sesión.
   *[other] Se han desbloqueado { $n } métodos de inicio de sesión.
}
admin-reset-skipped = No desbloqueado: { $ids }, el método que verificó esta sesión.
admin-add-user-invalid = Escribe un ID de usuario válido.
admin-add-kind-required = Elige un tipo.

admin-invalid-range = { $field }: escribe un número entero de { $min } a { $max }.
admin-invalid-integer = { $field }: escribe un número entero.
admin-invalid-counter = { $field }: escribe un número entero de 0 a 2⁶³ − 1.
admin-key-hidden = La clave no se puede cambiar aquí.
admin-invalid-key = La clave no se puede usar: { $detail }

admin-remove-title = ¿Eliminar «{ $name }» de { $user }?
admin-remove-what = { $user } ya no podrá iniciar sesión con él; si verificó una de sus sesiones, esa sesión deja de estar verificada.
admin-codes-confirm-title = ¿Generar nuevos códigos de respaldo para { $user }?
admin-codes-confirm-what = { $left ->
    [0] { $user } no tiene códigos de respaldo sin usar.
    [one] El código de respaldo sin usar de { $user } dejará de funcionar en cuanto se generen los nuevos.
   *[other] Los { $left } códigos de respaldo sin usar de { $user } dejarán de funcionar en cuanto se generen los nuevos.
}
admin-codes-confirm-save = Los nuevos códigos se muestran una sola vez: entrégaselos a { $user } de forma segura.

admin-sessions-end-button = Cerrar todas las sesiones de { $user }
admin-sessions-end-hint = Cada navegador en el que esta persona tiene la sesión iniciada deberá iniciarla de nuevo.
admin-sessions-ended = { $n ->
    [0] { $user } no tenía ninguna sesión que cerrar.
    [one] Se cerró 1 sesión de { $user }.
   *[other] Se cerraron { $n } sesiones de { $user }.
}
# Usuarios sin verificación en dos pasos (la política).
admin-users-title = Usuarios sin verificación en dos pasos
admin-users-intro = Usuarios a los que se aplica la política (ajuste: { $policy }) que aún no han configurado un método de inicio de sesión.
admin-users-none = Todos los usuarios a los que se aplica la política tienen un método de inicio de sesión.
admin-users-incomplete = La lista se detuvo en su límite: no se muestran todos los usuarios.
admin-trusted-revoke-button = Revocar todos los navegadores de confianza de { $user }
admin-trusted-revoke-hint = Cada uno de sus navegadores pedirá un código en el próximo inicio de sesión.
admin-reenrol-recommended = Se recomienda configurarlo de nuevo
admin-reenrol-explain = Este dispositivo viene de django-otp con una clave de menos de 16 bytes. Sigue funcionando; pida a su titular que lo configure de nuevo y luego elimine este.
