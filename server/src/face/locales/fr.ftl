## Commun à tous les thèmes

language-name = Français
nav-label = Menu principal
skip-to-content = Aller au contenu
nav-home = Accueil
nav-about = À propos
nav-privacy = Confidentialité
languages = Lire ce site en
not-found-title = Page introuvable
not-found-text = Cette page n'est pas ici. Elle a peut-être été déplacée, ou l'adresse contient une faute de frappe.
not-found-home = Aller à l'accueil
list-recipes = Recettes
list-weather = Guides
list-flashcards = Paquets de mots
privacy-title = Confidentialité
privacy-p1 = Ce site n'a ni comptes, ni cookies, ni publicité, ni pistage. Les pages ne chargent rien depuis d'autres sites.
privacy-p2 = Nous ne gardons aucune trace des visites, et nous ne vendons ni ne partageons rien sur nos lecteurs.
about-title = À propos de ce site

## Recettes

recipes-name = Carnet du placard
recipes-tagline = Des repas simples avec ce qu'il y a déjà dans le placard.
recipes-intro = Des recettes bon marché et nourrissantes, en une seule casserole et en une demi-heure environ. Chaque recette est essayée dans une petite cuisine.
recipes-list-heading = Il vous faut
recipes-about-p1 = Carnet du placard est une petite collection de recettes de tous les jours, écrites par des cuisiniers amateurs pour des cuisiniers amateurs.
recipes-about-p2 = Une recette n'apparaît qu'après avoir été cuisinée assez souvent pour en être sûrs.
recipes-red-lentil-soup = Soupe de lentilles corail
    .summary = Une soupe chaude et épaisse, prête en trente minutes.
    .p1 = Faites revenir l'oignon dans un peu d'huile, ajoutez l'ail et les épices, puis les lentilles et l'eau.
    .p2 = Laissez mijoter vingt minutes en remuant de temps en temps, jusqu'à ce que les lentilles se défassent. Ajoutez citron et sel selon votre goût.
    .li1 = 1 tasse de lentilles corail
    .li2 = 1 oignon et 2 gousses d'ail
    .li3 = 1 cuillère à café de cumin
    .li4 = 4 tasses d'eau
    .li5 = Un demi-citron
recipes-fried-rice = Riz sauté aux légumes
    .summary = La meilleure façon d'utiliser le riz de la veille.
    .p1 = Chauffez la poêle jusqu'à ce qu'elle soit très chaude. Faites sauter les légumes rapidement, puis poussez-les sur le côté.
    .p2 = Brouillez les œufs dans la partie vide, ajoutez le riz froid et la sauce soja, et mélangez le tout.
    .li1 = 2 tasses de riz cuit et froid
    .li2 = 2 œufs
    .li3 = Une poignée de petits pois et de carottes
    .li4 = 1 cuillère à soupe de sauce soja
recipes-banana-pancakes = Crêpes épaisses banane et avoine
    .summary = Trois ingrédients, sans farine, prêtes en quelques minutes.
    .p1 = Écrasez la banane, puis mélangez-y les œufs et l'avoine jusqu'à obtenir une pâte épaisse.
    .p2 = Faites cuire de petites cuillerées dans une poêle légèrement huilée, deux minutes de chaque côté.
    .li1 = 1 banane bien mûre
    .li2 = 2 œufs
    .li3 = Une demi-tasse de flocons d'avoine

## Météo

weather-name = Guide du beau temps
weather-tagline = Comprendre le ciel avant de sortir.
weather-intro = De courts guides pour lire les prévisions et s'habiller pour la journée, quelle que soit la saison.
weather-list-heading = À retenir
weather-about-p1 = Guide du beau temps explique la météo avec des mots de tous les jours, pour qui veut simplement savoir s'il faut prendre un parapluie.
weather-about-p2 = Nos guides sont des conseils généraux. Pour les alertes près de chez vous, suivez votre service météo local.
weather-reading-a-forecast = Comment lire une prévision
    .summary = Ce que veulent vraiment dire les chiffres et les symboles.
    .p1 = Un risque de pluie de 40 pour cent veut dire que, les jours comme celui-ci, il pleut environ quatre fois sur dix.
    .p2 = Le vent rend l'air plus froid que ce qu'indique le thermomètre : regardez aussi la température ressentie.
    .li1 = Consultez la prévision le matin, puis à midi
    .li2 = Regardez la vue heure par heure, pas seulement celle du jour
    .li3 = La prévision pour demain est plus sûre que celle de la semaine prochaine
weather-cold-days = S'habiller par temps froid
    .summary = Rester au chaud sans porter toute son armoire.
    .p1 = Plusieurs couches fines tiennent plus chaud qu'un seul gros manteau, et on peut en retirer une à l'intérieur.
    .p2 = La chaleur se perd surtout par la tête, les mains et les pieds : un bonnet, des gants et des chaussettes sèches comptent le plus.
    .li1 = Une première couche qui garde la peau sèche
    .li2 = Une couche chaude au milieu
    .li3 = Une couche extérieure contre le vent et la pluie
weather-summer-storms = Les orages d'été
    .summary = Pourquoi les après-midi chauds tournent à l'orage, et que faire.
    .p1 = Par temps chaud et humide, l'air chaud monte vite et forme de grands nuages dès l'après-midi.
    .p2 = Si vous entendez le tonnerre, rentrez et attendez trente minutes après le dernier grondement avant de ressortir.
    .li1 = Des nuages sombres et très hauts annoncent un orage proche
    .li2 = Éloignez-vous des champs ouverts et des grands arbres
    .li3 = Gardez un chargeur de téléphone et une lampe à la maison

## Cartes de vocabulaire

flashcards-name = Jardin de mots
flashcards-tagline = Quelques nouveaux mots d'anglais chaque jour.
flashcards-intro = De petits paquets de mots anglais de tous les jours. Lisez une carte, dites le mot à voix haute, et revenez demain.
flashcards-list-heading = Cartes de ce paquet
flashcards-about-p1 = Jardin de mots aide à enrichir son vocabulaire anglais, un peu chaque jour.
flashcards-about-p2 = Chaque paquet contient quelques mots à utiliser le jour même.
flashcards-greetings = Salutations
    .summary = Des mots pour dire bonjour et au revoir.
    .p1 = Commencez par les mots que vous utiliserez le plus souvent.
    .p2 = Répétez chacun à voix haute, puis essayez-le avec quelqu'un aujourd'hui.
    .li1 = hello — bonjour, une salutation amicale
    .li2 = good morning — bonjour, avant midi
    .li3 = thank you — merci
    .li4 = see you tomorrow — à demain
flashcards-at-the-market = Au marché
    .summary = Des mots pour acheter à manger.
    .p1 = Ces mots aident à acheter des fruits et des légumes.
    .p2 = Montrez l'article et dites son nom : les vendeurs ont l'habitude des apprenants.
    .li1 = how much — combien
    .li2 = a kilo — un kilo, mille grammes
    .li3 = fresh — frais
    .li4 = change — la monnaie
flashcards-around-town = En ville
    .summary = Des mots pour trouver son chemin.
    .p1 = Utilisez ces mots pour demander votre chemin.
    .p2 = La plupart des gens indiquent volontiers la route si l'on parle lentement.
    .li1 = bus stop — l'arrêt de bus
    .li2 = left and right — à gauche et à droite
    .li3 = pharmacy — la pharmacie
    .li4 = library — la bibliothèque
