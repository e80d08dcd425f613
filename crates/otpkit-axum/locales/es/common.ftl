common-account-nav = Cuenta
common-site-nav = Sitio
common-skip-to-content = Saltar al contenido principal
common-security = Verificación en dos pasos
common-sign-in = Iniciar sesión
common-sign-out = Cerrar sesión
common-admin = Administración
common-signed-in-as = Has iniciado sesión como { $user }
common-error-title = Algo salió mal
common-back = Volver
common-cancel = Cancelar
common-continue = Continuar
common-save = Guardar
common-language = Idioma
common-language-choose = Cambiar idioma
language-en = English
language-de = Deutsch
language-es = Español
language-fr = Français
language-pt = Português

time-just-now = ahora mismo
time-never = nunca
time-on-date = el { $date }
time-minutes-ago = { $n ->
        [one] hace 1 minuto
       *[other] hace { $n } minutos
    }
time-hours-ago = { $n ->
        [one] hace 1 hora
       *[other] hace { $n } horas
    }
time-days-ago = { $n ->
        [one] ayer
       *[other] hace { $n } días
    }
time-minutes-from-now = { $n ->
        [one] dentro de 1 minuto
       *[other] dentro de { $n } minutos
    }
time-hours-from-now = { $n ->
        [one] dentro de 1 hora
       *[other] dentro de { $n } horas
    }
time-days-from-now = { $n ->
        [one] mañana
       *[other] dentro de { $n } días
    }
