# A lista de dispositivos (/devices/), as suas ações e páginas de confirmação.

devices-title = Os seus métodos de início de sessão
devices-caption = Os seus métodos de início de sessão e o que pode fazer com cada um
devices-col-name = Nome
devices-col-kind = Tipo
devices-col-details = Detalhes
devices-col-last-used = Última utilização
devices-col-added = Adicionado
devices-col-actions = Ações
devices-current = usado nesta sessão
devices-unconfirmed = configuração por concluir
devices-locked = bloqueado após demasiados códigos errados
devices-throttled = em pausa após códigos errados; volta a poder ser usado
devices-new-name = Novo nome
devices-rename-button = Mudar o nome
devices-unlock-button = Desbloquear
devices-regenerate-link = Obter novos códigos de recuperação
devices-remove-link = Remover
devices-none = Ainda não tem nenhum método de início de sessão além da sua palavra-passe.
devices-add-title = Adicionar um método de início de sessão
devices-add-backup-codes = Obter códigos de recuperação
devices-add-backup-codes-hint = Os códigos de recuperação permitem-lhe iniciar sessão quando não pode usar os seus outros métodos. Cada um funciona uma vez.
devices-cancel = Cancelar

devices-kind-totp = Aplicação de autenticação
devices-kind-hotp = Token físico
devices-kind-email = Códigos por e-mail
devices-kind-static = Códigos de recuperação

devices-codes-left-of = restam { $left } de { $total }
devices-codes-left = { $left ->
    [one] resta { $left } código
   *[other] restam { $left } códigos
}

devices-name-required = Introduza um nome.
devices-name-too-long = Use no máximo { $max } caracteres.
devices-name-invalid = O nome contém caracteres não permitidos.

devices-renamed = O nome foi alterado para «{ $name }».
devices-unlocked = «{ $name }» está desbloqueado.
devices-removed = «{ $name }» foi removido.
devices-removed-own = Removeu «{ $name }», o método com que iniciou sessão. Esta sessão deixou de estar verificada: verifique-a com outro método para continuar.
devices-removed-own-last = Removeu «{ $name }», o método com que iniciou sessão. Esta sessão deixou de estar verificada e já não tem nenhum método de início de sessão: adicione um para proteger a sua conta.

devices-remove-title = Remover «{ $name }»?
devices-remove-what = Deixará de poder iniciar sessão com ele.
devices-remove-static = Os seus códigos de recuperação por usar deixarão de funcionar.
devices-remove-current = Iniciou sessão com ele nesta sessão: depois, esta sessão deixará de estar verificada e terá de a verificar com outro método para voltar a gerir os seus métodos de início de sessão.
devices-remove-last = É o seu último método de início de sessão: depois, só a sua palavra-passe protegerá a sua conta.
devices-remove-last-required = É o seu último método de início de sessão: depois, não poderá iniciar sessão até que um administrador lhe configure um novo.
devices-remove-button = Remover

devices-regenerate-title = Obter novos códigos de recuperação?
devices-regenerate-what = { $left ->
    [0] Não tem códigos de recuperação por usar.
    [one] O seu código de recuperação por usar deixará de funcionar assim que os novos códigos forem criados.
   *[other] Os seus { $left } códigos de recuperação por usar deixarão de funcionar assim que os novos códigos forem criados.
}
devices-regenerate-save = Os novos códigos só são mostrados uma vez: guarde-os num lugar seguro.
devices-regenerate-button = Obter novos códigos de recuperação

# "As suas sessões" (/devices/, §7.7.1).
sessions-title = As suas sessões
sessions-hint = Onde tem sessão iniciada. Se não reconhecer alguma, termine-a e altere a sua palavra-passe.
sessions-caption = As suas sessões iniciadas, com o que pode fazer com cada uma
sessions-col-device = Navegador
sessions-col-signed-in = Início de sessão
sessions-col-last-seen = Última atividade
sessions-current = esta sessão
sessions-agent = { $browser } em { $os }
sessions-agent-os = Um navegador em { $os }
sessions-agent-unknown = Navegador desconhecido
sessions-end-button = Terminar sessão
sessions-end-label = Terminar sessão em { $description }
sessions-end-others-button = Terminar todas as outras sessões
sessions-ended-one = A sessão de { $description } foi terminada.
sessions-ended-others = { $n ->
    [0] Não havia outra sessão para terminar.
    [one] Foi terminada 1 outra sessão.
   *[other] Foram terminadas { $n } outras sessões.
}
# Navegadores de confiança («Confiar neste navegador» no passo do código).
trusted-title = Navegadores de confiança
trusted-hint = Estes navegadores iniciam a sua sessão só com a palavra-passe. Revogue o que já não usa ou não reconhece.
trusted-caption = Os seus navegadores de confiança e o que pode fazer com cada um
trusted-col-trusted = De confiança desde
trusted-revoke-button = Revogar
trusted-revoke-label = Revogar { $description }
trusted-revoke-all-button = Revogar todos os navegadores de confiança
trusted-none = Não confia em nenhum navegador. Marque «Confiar neste navegador» ao introduzir um código para adicionar um.
trusted-revoked-one = Esse navegador voltará a pedir um código.
trusted-revoked-all = { $n ->
    [0] Não confiava em nenhum navegador.
    [one] 1 navegador voltará a pedir um código.
   *[other] { $n } navegadores voltarão a pedir um código.
}
