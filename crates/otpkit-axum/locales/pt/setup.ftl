# A configuração guiada (pacote C): escolher um método, ligá-lo, guardar os códigos de recuperação, concluído.

## Passos

setup-steps-label = Passos da configuração
setup-step-choose = Escolher um método
setup-step-connect = Ligá-lo
setup-step-codes = Guardar os códigos de recuperação
setup-step-done = Concluído

## Escolher um método

setup-choose-title-first = Ativar o início de sessão em dois passos
setup-choose-title = Adicionar um método de início de sessão
setup-choose-intro = Depois da palavra-passe, também vai introduzir um código do método que escolher aqui. Quem descobrir a sua palavra-passe continua sem conseguir iniciar sessão.
setup-method-totp = Aplicação de autenticação
setup-recommended = Recomendado
setup-method-totp-hint = Use uma aplicação como o Google Authenticator, o Microsoft Authenticator ou o 1Password. Mostra um código novo a cada 30 segundos, mesmo sem ligação.
setup-method-email = Códigos por e-mail
setup-method-email-hint = Enviamos um código para o seu endereço de e-mail sempre que inicia sessão. Quem conseguir ler o seu e-mail pode usá-lo.
setup-no-method = Não é possível configurar aqui nenhum método de início de sessão. Peça ajuda a um administrador.
setup-cancel = Cancelar
setup-other-method = Escolher outro método

## Aplicação de autenticação

setup-totp-title = Configurar uma aplicação de autenticação
setup-totp-default-name = Aplicação de autenticação
setup-totp-intro = Vai ler um código QR com uma aplicação de autenticação no seu telemóvel e depois introduzir o código que ela mostra.
setup-name-label = Nome (opcional)
setup-name-hint = Ajuda a distinguir os seus métodos, por exemplo «Telemóvel do trabalho».
setup-continue = Continuar
setup-totp-scan-heading = 1. Leia o código QR
setup-totp-scan = Abra a sua aplicação de autenticação, adicione uma conta e leia este código.
setup-totp-qr-label = Código QR para ler com a sua aplicação de autenticação
setup-totp-key-intro = Não consegue lê-lo? Introduza antes esta chave na aplicação (baseada no tempo):
setup-copy-key = Copiar a chave
setup-key-copied = Chave copiada
setup-totp-show-uri = Mostrar a ligação de configuração
setup-totp-code-heading = 2. Introduza o código da aplicação
setup-code-label = Código de verificação
setup-totp-code-hint = O código de { $digits } algarismos que a aplicação mostra para esta conta.
setup-turn-on = Ativar

## Códigos por e-mail

setup-email-title = Configurar os códigos por e-mail
setup-email-warning = O e-mail é o método menos seguro: quem conseguir ler o seu e-mail pode iniciar sessão com ele.
setup-email-label = Endereço de e-mail
setup-email-hint = Vamos enviar um código para este endereço para o verificar.
setup-send-code = Enviar um código
setup-email-code-label = Código do e-mail
setup-email-code-hint = O código do e-mail que acabámos de lhe enviar.
setup-resend = Enviar um código novo

## Códigos de recuperação

setup-codes-title = Guarde os seus códigos de recuperação
setup-codes-title-plain = Códigos de recuperação
setup-codes-intro = Se perder o telemóvel, pode iniciar sessão com um destes códigos. Cada código funciona uma única vez. Guarde-os num local seguro, como um gestor de palavras-passe ou uma cópia impressa. Só são mostrados agora.
setup-codes-download = Transferir
setup-codes-print = Imprimir
setup-codes-copy = Copiar
setup-codes-copied = Códigos copiados
setup-codes-done = Concluído
setup-codes-shown = Os seus códigos de recuperação foram mostrados uma vez, quando foram criados, e não podem voltar a ser mostrados.
setup-codes-lost = Se não os guardou, crie novos: os novos códigos substituem os antigos, que deixam de funcionar.
setup-codes-make-new = Criar novos códigos de recuperação
setup-back = Voltar
setup-codes-unconfirmed = Confirme que guardou os seus códigos de recuperação.
setup-codes-saved = Guardei estes códigos

## Concluído

setup-done-title = O início de sessão em dois passos está ativado
setup-done-named = «{ $name }» está configurado.
setup-done-generic = O seu método de início de sessão está configurado.
setup-done-next-totp = Da próxima vez que iniciar sessão, introduza a palavra-passe e depois um código da sua aplicação de autenticação.
setup-done-next-email = Da próxima vez que iniciar sessão, introduza a palavra-passe e depois um código do seu e-mail.
setup-done-next-other = Da próxima vez que iniciar sessão, introduza a palavra-passe e depois um código.
setup-lost-heading = Se perder o telemóvel
setup-lost-backup = Inicie sessão com um dos seus códigos de recuperação em vez de um código da aplicação.
setup-lost-new-phone = Depois, configure aqui o novo telemóvel e remova o antigo dos seus métodos de início de sessão.
setup-lost-admin = Se já não tiver códigos de recuperação, peça a um administrador que reponha o seu início de sessão.
setup-done-continue = Continuar
setup-done-manage = Gerir os seus métodos de início de sessão
setup-grace-reminder = A verificação em dois passos será obrigatória para a sua conta a partir de { $until }. Configure-a agora, ou
setup-grace-later = continue sem ela por agora
