## Común a todos los temas

language-name = Español
nav-label = Menú principal
skip-to-content = Ir al contenido
nav-home = Inicio
nav-about = Acerca de
nav-privacy = Privacidad
languages = Leer este sitio en
not-found-title = Página no encontrada
not-found-text = Esta página no está aquí. Puede que se haya movido o que la dirección tenga un error.
not-found-home = Ir a la página de inicio
list-recipes = Recetas
list-weather = Guías
list-flashcards = Mazos de palabras
privacy-title = Privacidad
privacy-p1 = Este sitio no tiene cuentas, ni cookies, ni publicidad, ni rastreo. Las páginas no cargan nada de otros sitios.
privacy-p2 = No guardamos registro de quién nos visita, y no vendemos ni compartimos nada sobre nuestros lectores.
about-title = Acerca de este sitio

## Recetas

recipes-name = Notas de la despensa
recipes-tagline = Comidas sencillas con lo que ya hay en la alacena.
recipes-intro = Recetas baratas y llenadoras, en una sola olla y en una media hora. Cada receta se prueba en una cocina pequeña.
recipes-list-heading = Necesitarás
recipes-about-p1 = Notas de la despensa es una pequeña colección de recetas de todos los días, escritas por cocineros caseros para cocineros caseros.
recipes-about-p2 = Publicamos una receta nueva cuando la hemos cocinado suficientes veces para estar seguros.
recipes-red-lentil-soup = Sopa de lentejas rojas
    .summary = Una sopa caliente y espesa, lista en treinta minutos.
    .p1 = Sofríe la cebolla en un poco de aceite, añade el ajo y las especias, y luego las lentejas y el agua.
    .p2 = Cocina a fuego lento veinte minutos, removiendo de vez en cuando, hasta que las lentejas se deshagan. Añade limón y sal al gusto.
    .li1 = 1 taza de lentejas rojas
    .li2 = 1 cebolla y 2 dientes de ajo
    .li3 = 1 cucharadita de comino
    .li4 = 4 tazas de agua
    .li5 = Medio limón
recipes-fried-rice = Arroz frito con verduras
    .summary = El mejor uso para el arroz de ayer.
    .p1 = Calienta la sartén hasta que esté muy caliente. Saltea las verduras rápido y apártalas a un lado.
    .p2 = Revuelve los huevos en el lado vacío, añade el arroz frío y la salsa de soja, y mézclalo todo.
    .li1 = 2 tazas de arroz cocido y frío
    .li2 = 2 huevos
    .li3 = Un puñado de guisantes y zanahoria
    .li4 = 1 cucharada de salsa de soja
recipes-banana-pancakes = Tortitas de plátano y avena
    .summary = Tres ingredientes, sin harina, listas en pocos minutos.
    .p1 = Aplasta el plátano y mézclalo con los huevos y la avena hasta tener una masa espesa.
    .p2 = Cocina cucharadas pequeñas en una sartén con un poco de aceite, dos minutos por cada lado.
    .li1 = 1 plátano maduro
    .li2 = 2 huevos
    .li3 = Media taza de avena

## El tiempo

weather-name = Guía del buen tiempo
weather-tagline = Entiende el cielo antes de salir.
weather-intro = Guías breves para leer pronósticos y vestirse para el día, venga la estación que venga.
weather-list-heading = Recuerda
weather-about-p1 = Guía del buen tiempo explica el tiempo con palabras sencillas, para quien solo quiere saber si llevar paraguas.
weather-about-p2 = Nuestras guías son consejos generales. Para avisos en tu zona, sigue a tu servicio meteorológico local.
weather-reading-a-forecast = Cómo leer un pronóstico
    .summary = Lo que de verdad significan los números y los símbolos.
    .p1 = Una probabilidad de lluvia del 40 por ciento significa que, en días como este, llueve en unos cuatro de cada diez.
    .p2 = El viento hace que el aire se sienta más frío de lo que marca el termómetro: mira también la sensación térmica.
    .li1 = Consulta el pronóstico por la mañana y otra vez a mediodía
    .li2 = Mira la vista por horas, no solo la del día
    .li3 = El pronóstico de mañana es más fiable que el de la semana que viene
weather-cold-days = Vestirse en días fríos
    .summary = Abrigarse sin cargar con todo el armario.
    .p1 = Varias capas finas abrigan más que un solo abrigo grueso, y puedes quitarte una bajo techo.
    .p2 = El calor se pierde sobre todo por la cabeza, las manos y los pies: un gorro, guantes y calcetines secos son lo más importante.
    .li1 = Una primera capa que mantenga la piel seca
    .li2 = Una capa intermedia que abrigue
    .li3 = Una capa exterior contra el viento y la lluvia
weather-summer-storms = Tormentas de verano
    .summary = Por qué las tardes calurosas acaban en tormenta, y qué hacer.
    .p1 = En días calurosos y húmedos, el aire caliente sube rápido y forma nubes altas por la tarde.
    .p2 = Si oyes truenos, entra en un edificio y espera treinta minutos después del último antes de volver a salir.
    .li1 = Nubes oscuras y muy altas anuncian una tormenta cercana
    .li2 = Aléjate de campos abiertos y árboles altos
    .li3 = Ten en casa un cargador de teléfono y una linterna

## Tarjetas de vocabulario

flashcards-name = Jardín de palabras
flashcards-tagline = Unas pocas palabras nuevas de inglés cada día.
flashcards-intro = Pequeños mazos de palabras cotidianas en inglés. Lee una tarjeta, di la palabra en voz alta y vuelve mañana.
flashcards-list-heading = Tarjetas de este mazo
flashcards-about-p1 = Jardín de palabras ayuda a ampliar el vocabulario en inglés poco a poco.
flashcards-about-p2 = Cada mazo tiene unas pocas palabras que puedes usar el mismo día.
flashcards-greetings = Saludos
    .summary = Palabras para saludar y despedirse.
    .p1 = Empieza por las palabras que más vas a usar.
    .p2 = Practica cada una en voz alta y pruébala hoy con alguien.
    .li1 = hello — hola, un saludo amable
    .li2 = good morning — buenos días
    .li3 = thank you — gracias
    .li4 = see you tomorrow — hasta mañana
flashcards-at-the-market = En el mercado
    .summary = Palabras para comprar comida.
    .p1 = Estas palabras ayudan al comprar fruta y verdura.
    .p2 = Señala el producto y di su nombre: los vendedores están acostumbrados a quien aprende.
    .li1 = how much — cuánto cuesta
    .li2 = a kilo — un kilo, mil gramos
    .li3 = fresh — fresco
    .li4 = change — el cambio
flashcards-around-town = Por la ciudad
    .summary = Palabras para orientarse.
    .p1 = Usa estas palabras para pedir indicaciones.
    .p2 = Casi todo el mundo indica el camino con gusto si preguntas despacio.
    .li1 = bus stop — la parada de autobús
    .li2 = left and right — izquierda y derecha
    .li3 = pharmacy — la farmacia
    .li4 = library — la biblioteca
