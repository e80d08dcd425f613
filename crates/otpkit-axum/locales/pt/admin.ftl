# A área de administração (/admin/): os métodos de início de sessão de todos os utilizadores.

admin-list-title = Métodos de início de sessão de todos os utilizadores
admin-list-caption = Métodos de início de sessão de todos os utilizadores, com o seu estado
admin-add-link = Adicionar um método de início de sessão
admin-filter-search = Pesquisar (utilizador, nome ou endereço de e-mail)
admin-filter-all = Todos
admin-yes = Sim
admin-no = Não
admin-any-date = Qualquer data
admin-today = Hoje
admin-past-7-days = Últimos 7 dias
admin-past-30-days = Últimos 30 dias
admin-never = Nunca
admin-filter-button = Filtrar
admin-col-select = Selecionar
admin-col-user = Utilizador
admin-col-name = Nome
admin-col-kind = Tipo
admin-col-added = Adicionado
admin-col-last-used = Última utilização
admin-col-confirmed = Configurado
admin-col-failures = Códigos errados seguidos
admin-col-locked = Bloqueado
admin-col-qr = Código QR
admin-select = Selecionar { $name }
admin-qr-link = Mostrar o código QR
admin-none = Nenhum método de início de sessão corresponde.
admin-reset-selected = Desbloquear os métodos selecionados

admin-add-title = Adicionar um método de início de sessão
admin-field-user = ID do utilizador
admin-kind-totp = Aplicação de autenticação (baseada no tempo)
admin-kind-hotp = Token físico (baseado num contador)
admin-kind-email = Códigos por e-mail
admin-kind-static = Códigos de recuperação
admin-field-name-optional = Nome (opcional)
admin-field-key = Chave
admin-key-format = Formato da chave
admin-format-base32 = base32
admin-format-hex = hex
admin-field-key-hint = Para uma aplicação de autenticação ou um token físico; deixe vazio para gerar uma.
admin-field-email = Endereço de e-mail
admin-field-email-hint = Para códigos por e-mail; deixe vazio para usar o endereço do utilizador.
admin-save = Guardar

admin-qr-alt = Código QR da configuração deste método de início de sessão
admin-back-to-device = Voltar ao método de início de sessão

admin-device-title = Método de início de sessão
admin-config-title = Configuração
admin-codes-title = Novos códigos de recuperação
admin-new-key-once = A chave deste método de início de sessão, mostrada só agora:
admin-device-id = ID persistente
admin-locked = bloqueado
admin-paused = em pausa; volta a poder ser usado
admin-codes-hint = Os códigos de recuperação só são mostrados uma vez, logo após serem gerados. Para voltar a ver códigos, gere novos: substituem os atuais.
admin-key-current = Chave (base32):
admin-field-new-key = Nova chave (vazia mantém a atual)
admin-field-digits = Dígitos (6–8)
admin-field-tolerance = Tolerância
admin-field-step = Intervalo (segundos)
admin-field-t0 = T0 (segundos Unix)
admin-field-drift = Desvio (intervalos)
admin-field-counter = Contador
admin-empty-keeps = Os campos vazios mantêm o valor atual (mostrado acima).
admin-confirm-button = Marcar como configurado
admin-reset-button = Desbloquear (repor os códigos errados)
admin-codes-button = Gerar códigos de recuperação
admin-delete-button = Eliminar
admin-back-to-list = Voltar à lista

admin-reset-done = { $n ->
    [one] { $n } método de início de sessão desbloqueado.
   *[other] { $n } métodos de início de sessão desbloqueados.
}
admin-reset-skipped = Não desbloqueado: { $ids }, o método que verificou esta sessão.
admin-add-user-invalid = Introduza um ID de utilizador válido.
admin-add-kind-required = Escolha um tipo.

admin-invalid-range = { $field }: introduza um número inteiro de { $min } a { $max }.
admin-invalid-integer = { $field }: introduza um número inteiro.
admin-invalid-counter = { $field }: introduza um número inteiro de 0 a 2⁶³ − 1.
admin-key-hidden = A chave não pode ser alterada aqui.
admin-invalid-key = A chave não pode ser usada: { $detail }

admin-remove-title = Eliminar «{ $name }» de { $user }?
admin-remove-what = { $user } deixará de poder iniciar sessão com ele; se verificou uma das suas sessões, essa sessão deixa de estar verificada.
admin-codes-confirm-title = Gerar novos códigos de recuperação para { $user }?
admin-codes-confirm-what = { $left ->
    [0] { $user } não tem códigos de recuperação por usar.
    [one] O código de recuperação por usar de { $user } deixará de funcionar assim que os novos códigos forem criados.
   *[other] Os { $left } códigos de recuperação por usar de { $user } deixarão de funcionar assim que os novos códigos forem criados.
}
admin-codes-confirm-save = Os novos códigos só são mostrados uma vez: entregue-os a { $user } de forma segura.

admin-sessions-end-button = Terminar todas as sessões de { $user }
admin-sessions-end-hint = Cada navegador em que esta pessoa tem sessão iniciada terá de a iniciar de novo.
admin-sessions-ended = { $n ->
    [0] { $user } não tinha nenhuma sessão para terminar.
    [one] Foi terminada 1 sessão de { $user }.
   *[other] Foram terminadas { $n } sessões de { $user }.
}
# Utilizadores sem verificação em dois passos (a política).
admin-users-title = Utilizadores sem verificação em dois passos
admin-users-intro = Utilizadores abrangidos pela política (definição: { $policy }) que ainda não configuraram um método de início de sessão.
admin-users-none = Todos os utilizadores abrangidos pela política têm um método de início de sessão.
admin-users-incomplete = A lista parou no seu limite: nem todos os utilizadores são mostrados.
admin-trusted-revoke-button = Revogar todos os navegadores de confiança de { $user }
admin-trusted-revoke-hint = Cada um dos seus navegadores pedirá um código no próximo início de sessão.
admin-reenrol-recommended = Recomenda-se configurar de novo
admin-reenrol-explain = Este dispositivo veio do django-otp com uma chave com menos de 16 bytes. Continua a funcionar; peça ao titular para o configurar de novo e depois remova este.
