"""Deterministic names, identity numbers and account numbers of the simulated city.

Every function here is a pure function of its integer arguments, so that a
person or firm drawn twice (in two platforms' files, on a registry page and
in a transfer) is spelt the same way everywhere.
"""

from __future__ import annotations

from stdnum.cn import ric, uscc

CITY = "示范市"
CITY_REGION = "440300"  # USCC region code of the city
DISTRICTS = ("440303", "440304", "440305", "440306", "440307", "440308")
DISTRICT_NAMES = ("罗湖区", "福田区", "南山区", "宝安区", "龙岗区", "盐田区")

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉建国志红梅琳晨宇浩然子轩欣怡博文思远海峰春燕晓东立新振华永军丹丹佳琪雨婷"

# Brand syllables of platform names with their latin slugs.
BRAND_CHARS = (
    ("恒", "heng"), ("信", "xin"), ("鑫", "xn"), ("融", "rong"), ("汇", "hui"), ("财", "cai"),
    ("金", "jin"), ("银", "yin"), ("丰", "feng"), ("盛", "sheng"), ("泰", "tai"), ("安", "an"),
    ("华", "hua"), ("瑞", "rui"), ("达", "da"), ("通", "tong"), ("宝", "bao"), ("富", "fu"),
    ("利", "li"), ("民", "min"), ("联", "lian"), ("易", "yi"), ("诚", "cheng"), ("嘉", "jia"),
    ("润", "run"), ("德", "de"), ("源", "yuan"), ("海", "hai"), ("星", "xing"), ("投", "tou"),
    ("银", "yn"), ("优", "you"), ("惠", "huii"), ("钱", "qian"), ("宜", "yii"), ("众", "zhong"),
)
BRAND_SUFFIXES = (("贷", "dai"), ("宝", "bao"), ("金服", "jinfu"), ("在线", "online"),
                  ("财富", "caifu"), ("网", "wang"), ("e贷", "edai"), ("普惠", "puhui"))
FIRM_WORDS = ("网络科技", "金融信息服务", "互联网金融服务", "信息技术", "电子商务")
TRADE_WORDS = ("商贸", "实业", "贸易", "建材", "物流", "餐饮管理", "电子", "服装", "五金", "农业发展",
               "装饰工程", "汽车服务", "文化传媒", "印刷", "食品", "家具", "塑胶制品", "机械设备")
FIRM_SYLLABLES = "华新宏盛兴达源丰利通泰安康顺发祥福瑞隆昌旺荣耀鼎汇诚信德嘉恒远广博"
BANKS = ("厦门银行", "江西银行", "广东华兴银行", "徽商银行", "新网银行", "上海华瑞银行", "恒丰银行", "浙商银行")
RETAIL_BANKS = ("中国工商银行", "中国建设银行", "中国农业银行", "中国银行", "招商银行", "平安银行", "交通银行")
OFFSHORE_BANKS = ("汇丰银行（香港）", "星展银行（香港）", "大新银行", "华侨银行（新加坡）")

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def mix(*parts: int) -> int:
    """A deterministic 64-bit mix of integers (no ``hash()``: it is salted per process)."""
    h = 1469598103934665603
    for p in parts:
        h ^= p & 0xFFFFFFFFFFFFFFFF
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
        h ^= h >> 29
    return h


def person_name(i: int) -> str:
    """Chinese personal name of person number ``i``."""
    h = mix(i, 17)
    s = SURNAMES[h % len(SURNAMES)]
    g1 = GIVEN[(h >> 8) % len(GIVEN)]
    if (h >> 16) % 3 == 0:
        return s + g1
    return s + g1 + GIVEN[(h >> 24) % len(GIVEN)]


def person_id(i: int) -> str:
    """18-digit resident identity number (valid check digit) of person number ``i``."""
    h = mix(i, 29)
    region = DISTRICTS[h % len(DISTRICTS)][:4] + f"{(h >> 4) % 8 + 1:02d}"
    year = 1955 + (h >> 8) % 45
    month = 1 + (h >> 16) % 12
    day = 1 + (h >> 20) % 28
    seq = (i * 7 + (h >> 28)) % 1000
    body = f"{region}{year:04d}{month:02d}{day:02d}{seq:03d}"
    return body + ric.calc_check_digit(body)


def mask_id(ident: str) -> str:
    """Masked identity number as some custody banks print it (first 6, last 4)."""
    return ident[:6] + "********" + ident[-4:]


def person_account(i: int) -> str:
    """19-digit debit card number of person number ``i``."""
    h = mix(i, 41)
    return f"62{(h % 9) + 12:02d}{i % 10**11:011d}{(h >> 8) % 10000:04d}"[:19].ljust(19, "0")


def make_uscc(n: int, region: str | None = None) -> str:
    """Valid 18-character USCC of firm number ``n`` (registered in ``region``, default one of the city's districts)."""
    h = mix(n, 53)
    region = region or DISTRICTS[(h >> 40) % len(DISTRICTS)]
    code = "".join(_USCC_CHARS[(h >> (5 * k)) % len(_USCC_CHARS)] for k in range(3))
    body = f"91{region}{code}{n % 10**6:06d}"
    return body + uscc.calc_check_digit(body)


def firm_account(n: int) -> str:
    """Company bank account number of firm number ``n``."""
    h = mix(n, 67)
    return f"44{(h % 90) + 10:02d}{n % 10**10:010d}{(h >> 8) % 10**6:06d}"


def offshore_account(n: int) -> str:
    """Account number at an offshore-like bank (no registry page, no USCC)."""
    h = mix(n, 71)
    return f"HK{(h % 900) + 100:03d}{n % 10**9:09d}"


def trade_firm_name(n: int) -> str:
    """Name of an ordinary trading firm (borrower, supplier, collector)."""
    h = mix(n, 83)
    a = FIRM_SYLLABLES[h % len(FIRM_SYLLABLES)]
    b = FIRM_SYLLABLES[(h >> 8) % len(FIRM_SYLLABLES)]
    w = TRADE_WORDS[(h >> 16) % len(TRADE_WORDS)]
    return f"{CITY}{a}{b}{w}有限公司"
