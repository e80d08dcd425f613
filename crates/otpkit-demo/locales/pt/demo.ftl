# As páginas próprias da demonstração (início, registo, página protegida, caixa de saída,
# erros) e o seu esquema. O esquema usa também as mensagens common-* do otpkit.

## Esquema
demo-nav-protected = Página protegida
demo-nav-outbox = Caixa de saída
demo-nav-signup = Criar conta
demo-badge-verified = verificada
demo-footer = Demonstração do otpkit. As sessões são mantidas (na sua base de dados ou no Redis): reiniciar o servidor não termina a sessão de ninguém.
demo-devmode = Modo de desenvolvimento:
demo-devmode-banner = os códigos por e-mail não são enviados. Leia-os na caixa de saída ou na consola do servidor; defina OTPKIT_SMTP_URL para os enviar.
demo-devmode-open-outbox = Abrir a caixa de saída

## Títulos das páginas
demo-title-home = Início
demo-title-signup = Criar conta
demo-title-protected = Página protegida
demo-title-outbox = Caixa de saída
demo-title-not-found = Página não encontrada
demo-title-error = Algo correu mal
demo-title-expired = Página expirada

## Início
demo-home-heading = Demonstração do otpkit
demo-state-anonymous = Não tem sessão iniciada.
demo-state-pending = Introduziu a sua palavra-passe. Introduza o seu código de verificação para terminar de iniciar sessão.
demo-state-authenticated = Tem sessão iniciada como { $user } apenas com a palavra-passe: esta sessão não está verificada com um segundo passo.
demo-state-verified = Tem sessão iniciada como { $user } e esta sessão está verificada com «{ $device }».
demo-state-verified-at = Verificada:
demo-try = Experimente
demo-try-signup = Criar conta
demo-try-signup-hint = com um nome de utilizador e uma palavra-passe.
demo-try-sign-in = Iniciar sessão
demo-try-sign-in-hint = se já tem uma conta.
demo-try-finish = Terminar de iniciar sessão
demo-try-finish-hint = com o seu código de verificação.
demo-try-set-up = Configurar a verificação em dois passos
demo-try-set-up-hint = com uma aplicação de autenticação, códigos por e-mail ou códigos de recuperação.
demo-try-verify = Verificar esta sessão
demo-try-verify-hint = com um código de verificação.
demo-try-protected = Abrir a página protegida
demo-try-protected-hint = só as sessões verificadas lá chegam.
demo-try-manage = Gerir a verificação em dois passos
demo-try-manage-hint = adicionar uma aplicação de autenticação ou códigos por e-mail, criar novos códigos de recuperação, mudar o nome de um método ou removê-lo.
demo-try-passkey-hint = entrar com um toque ou o bloqueio de ecrã em vez de um código; não pode ser alvo de phishing.
demo-try-again = Termine a sessão e inicie-a de novo com a sua palavra-passe e um código de verificação ou um código de recuperação.
demo-try-admin = Abrir a administração
demo-try-admin-hint = faz parte da equipa; pede uma sessão verificada.
demo-try-outbox = Ler a caixa de saída
demo-try-outbox-hint = no modo de desenvolvimento os códigos por e-mail não são enviados.

## Criar conta
demo-signup-username = Nome de utilizador
demo-signup-username-hint = Letras, algarismos e @ . + - _
demo-signup-email = Endereço de e-mail (opcional)
demo-signup-email-hint = Os códigos por e-mail são enviados para aqui, a menos que escolha outro endereço.
demo-signup-password = Palavra-passe
demo-signup-password-hint = Pelo menos 8 caracteres.
demo-signup-password2 = Repita a palavra-passe
demo-signup-submit = Criar conta
demo-signup-have-account = Já tem uma conta?
demo-signup-signed-in = Tem sessão iniciada como { $user }. Termine a sessão para criar outra conta.
demo-signup-signed-in-refused = Tem sessão iniciada. Termine a sessão para criar outra conta.
demo-signup-errors = A conta não foi criada:
demo-signup-passwords-differ = As duas palavras-passe são diferentes.
demo-signup-exists = Já existe um utilizador com esse nome de utilizador.
demo-signup-username-length = { $max ->
       *[other] O nome de utilizador deve ter entre 1 e { $max } caracteres.
    }
demo-signup-username-chars = O nome de utilizador só pode conter letras, algarismos e @ . + - _
demo-signup-password-short = { $min ->
        [one] A palavra-passe deve ter pelo menos 1 carácter.
       *[other] A palavra-passe deve ter pelo menos { $min } caracteres.
    }
demo-signup-password-long = A palavra-passe deve ter no máximo { $max } bytes.
demo-signup-email-invalid = Introduza um endereço de e-mail válido (nome@example.com) ou deixe o campo vazio.
demo-signup-unreadable = Não foi possível ler o formulário de registo. Preencha-o de novo.
demo-signup-failed = Não foi possível criar a conta. Tente de novo mais tarde.

## Página protegida
demo-protected-welcome = Só as sessões verificadas chegam a esta página. Bem-vindo, { $user }: «{ $device }» verificou esta sessão.
demo-protected-how = Esta rota está envolvida em otp_required(): quem não tem sessão iniciada, ou não está verificado, é enviado para a página de início de sessão e volta aqui depois.

## Caixa de saída
demo-outbox-note = Modo de desenvolvimento: estes e-mails não foram enviados, porque OTPKIT_SMTP_URL não está definido. A demonstração guarda aqui os últimos { $n }, o mais recente primeiro, e mostra-os na consola do servidor. Quem puder abrir esta página pode ler todos os códigos: nunca exponha o modo de desenvolvimento.
demo-outbox-date = Data
demo-outbox-from = De
demo-outbox-to = Para
demo-outbox-subject = Assunto
demo-outbox-empty = Ainda não há e-mails. Adicione códigos por e-mail nas definições da verificação em dois passos, ou peça um código por e-mail ao iniciar sessão.
demo-outbox-none = Não há caixa de saída: o e-mail é enviado por SMTP (OTPKIT_SMTP_URL).

## Erros
demo-not-found = Não existe nenhuma página neste endereço.
demo-expired = Esta página expirou. Tente de novo.
demo-back-home = Voltar à página inicial
demo-recent-link = Uma página que pede uma confirmação recente
demo-recent-welcome = Confirmou que é você há { $secs } segundos.
demo-recent-how = Esta rota está protegida por step_up().max_age(60): uma confirmação com mais de 60 segundos é pedida de novo e depois volta aqui.
