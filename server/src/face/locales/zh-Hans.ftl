## 所有主题共用

language-name = 简体中文
nav-label = 主菜单
skip-to-content = 跳到正文
nav-home = 首页
nav-about = 关于
nav-privacy = 隐私
languages = 用其他语言阅读本站
not-found-title = 找不到页面
not-found-text = 这个页面不在这里。它可能已经移走了，或者网址有误。
not-found-home = 回到首页
list-recipes = 食谱
list-weather = 指南
list-flashcards = 单词卡组
privacy-title = 隐私
privacy-p1 = 本站没有账号、没有 Cookie、没有广告，也不做任何跟踪。页面不从其他网站加载任何内容。
privacy-p2 = 我们不记录谁来访问，也不出售或分享任何关于读者的信息。
about-title = 关于本站

## 食谱

recipes-name = 橱柜小记
recipes-tagline = 用橱柜里现有的东西做简单的饭菜。
recipes-intro = 便宜又管饱的食谱，一口锅，大约半小时。每道菜都在小厨房里试做过。
recipes-list-heading = 你需要
recipes-about-p1 = 橱柜小记收集了一些家常食谱，由在家做饭的人写给在家做饭的人。
recipes-about-p2 = 每道新菜我们都做过好几次，确定好做了才会放上来。
recipes-red-lentil-soup = 红扁豆汤
    .summary = 浓稠温暖的汤，三十分钟就好。
    .p1 = 用少许油把洋葱炒软，加入蒜和香料，再放扁豆和水。
    .p2 = 小火煮二十分钟，不时搅拌，直到扁豆化开。按口味加柠檬汁和盐。
    .li1 = 红扁豆一杯
    .li2 = 洋葱一个，蒜两瓣
    .li3 = 孜然一小勺
    .li4 = 水四杯
    .li5 = 柠檬半个
recipes-fried-rice = 蔬菜炒饭
    .summary = 隔夜饭最好的吃法。
    .p1 = 把锅烧得很热。快速翻炒蔬菜，然后推到一边。
    .p2 = 在空出来的一边炒散鸡蛋，加入冷饭和酱油，全部翻炒均匀。
    .li1 = 煮好放凉的米饭两杯
    .li2 = 鸡蛋两个
    .li3 = 豌豆和胡萝卜一把
    .li4 = 酱油一大勺
recipes-banana-pancakes = 香蕉燕麦松饼
    .summary = 三种材料，不用面粉，几分钟就好。
    .p1 = 把香蕉压成泥，加入鸡蛋和燕麦，拌成稠稠的面糊。
    .p2 = 在刷了薄油的锅里舀小勺面糊，每面煎两分钟。
    .li1 = 熟透的香蕉一根
    .li2 = 鸡蛋两个
    .li3 = 燕麦半杯

## 天气

weather-name = 晴空指南
weather-tagline = 出门之前，先读懂天空。
weather-intro = 简短的指南，教你看天气预报，按季节穿衣。
weather-list-heading = 记住
weather-about-p1 = 晴空指南用日常的话讲天气，写给只想知道要不要带伞的人。
weather-about-p2 = 我们的指南只是一般建议。当地的天气预警请关注本地气象部门。
weather-reading-a-forecast = 怎样看天气预报
    .summary = 数字和符号到底是什么意思。
    .p1 = 降雨概率百分之四十，意思是像今天这样的日子，大约十天里有四天会下雨。
    .p2 = 有风的时候，体感比温度计上的数字更冷，所以也要看体感温度。
    .li1 = 早上看一次预报，中午再看一次
    .li2 = 看逐小时预报，不要只看全天
    .li3 = 明天的预报比下周的更可靠
weather-cold-days = 冷天怎么穿
    .summary = 不用把衣柜都穿在身上也能暖和。
    .p1 = 几件薄衣服叠穿比一件厚外套更暖和，进屋还可以脱掉一件。
    .p2 = 热量主要从头、手和脚散失：帽子、手套和干袜子最重要。
    .li1 = 贴身一层保持皮肤干爽
    .li2 = 中间一层保暖
    .li3 = 外面一层挡风挡雨
weather-summer-storms = 夏天的雷雨
    .summary = 为什么炎热的下午会变成雷雨，以及该怎么办。
    .p1 = 天气又热又潮湿时，热空气上升得很快，到下午就堆起高高的云。
    .p2 = 听到打雷就进屋，最后一声雷过后等三十分钟再出门。
    .li1 = 又黑又高的云说明雷雨可能快到了
    .li2 = 远离空旷的田野和高大的树
    .li3 = 家里备好手机充电器和手电筒

## 单词卡

flashcards-name = 单词花园
flashcards-tagline = 每天学几个新的英语单词。
flashcards-intro = 日常英语单词的小卡组。读一张卡片，大声说出单词，明天再来。
flashcards-list-heading = 本组卡片
flashcards-about-p1 = 单词花园帮助学习者一点一点积累英语词汇。
flashcards-about-p2 = 每组都有几个当天就能用上的单词。
flashcards-greetings = 问候
    .summary = 打招呼和告别用的词。
    .p1 = 先从最常用的词开始。
    .p2 = 每个词都大声练习，今天就找人试一试。
    .li1 = hello — 你好，友好的问候
    .li2 = good morning — 早上好
    .li3 = thank you — 谢谢
    .li4 = see you tomorrow — 明天见
flashcards-at-the-market = 在市场
    .summary = 买吃的用的词。
    .p1 = 买水果和蔬菜时，这些词很有用。
    .p2 = 指着东西说出它的名字：摊主都习惯和学习者打交道。
    .li1 = how much — 多少钱
    .li2 = a kilo — 一公斤，一千克
    .li3 = fresh — 新鲜
    .li4 = change — 找的零钱
flashcards-around-town = 在城里
    .summary = 找路用的词。
    .p1 = 问路的时候用这些词。
    .p2 = 说慢一点，大多数人都很乐意给你指路。
    .li1 = bus stop — 公交车站
    .li2 = left and right — 左和右
    .li3 = pharmacy — 药店
    .li4 = library — 图书馆
