common-account-nav = Conta
common-site-nav = Site
common-skip-to-content = Saltar para o conteúdo principal
common-security = Verificação em dois passos
common-sign-in = Iniciar sessão
common-sign-out = Terminar sessão
common-admin = Administração
common-signed-in-as = Sessão iniciada como { $user }
common-error-title = Algo correu mal
common-back = Voltar
common-cancel = Cancelar
common-continue = Continuar
common-save = Guardar
common-language = Idioma
common-language-choose = Mudar de idioma
language-en = English
language-de = Deutsch
language-es = Español
language-fr = Français
language-pt = Português

time-just-now = agora mesmo
time-never = nunca
time-on-date = em { $date }
time-minutes-ago = { $n ->
        [one] há 1 minuto
       *[other] há { $n } minutos
    }
time-hours-ago = { $n ->
        [one] há 1 hora
       *[other] há { $n } horas
    }
time-days-ago = { $n ->
        [one] ontem
       *[other] há { $n } dias
    }
time-minutes-from-now = { $n ->
        [one] daqui a 1 minuto
       *[other] daqui a { $n } minutos
    }
time-hours-from-now = { $n ->
        [one] daqui a 1 hora
       *[other] daqui a { $n } horas
    }
time-days-from-now = { $n ->
        [one] amanhã
       *[other] daqui a { $n } dias
    }
