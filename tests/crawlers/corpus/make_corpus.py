#!/usr/bin/env python3
"""Generator for the independent P2P disclosure corpus.

Standard library only.  Run:  python3 make_corpus.py
It rewrites every page and every <page>.expected.json in this folder.
The committed pages are the corpus; this script only keeps values consistent.
Expected values are computed from the text *as displayed* (after rounding to
the unit shown on the page), never from the hidden series.
"""
import json
import os
import random
from decimal import Decimal as D, ROUND_HALF_UP
from datetime import date, timedelta

HERE = os.path.dirname(os.path.abspath(__file__))

# ---------------------------------------------------------------- USCC (GB 32100-2015)
USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def org_check(code8):
    """GB 11714 organisation code check character."""
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    s = sum(int(c, 36) * wi for c, wi in zip(code8, w))
    c = 11 - s % 11
    return 'X' if c == 10 else ('0' if c == 11 else str(c))


def uscc(region, code8):
    body = '91' + region + code8 + org_check(code8)
    assert len(body) == 17 and all(c in USCC_CHARS for c in body), body
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(body, USCC_W))
    return body + USCC_CHARS[(31 - s % 31) % 31]


def uscc_valid(code):
    if len(code) != 18 or any(c not in USCC_CHARS for c in code):
        return False
    s = sum(USCC_CHARS.index(c) * w for c, w in zip(code[:17], USCC_W))
    return USCC_CHARS[(31 - s % 31) % 31] == code[17]


# ---------------------------------------------------------------- platforms
PLATFORMS = [
    dict(key='fenggu', name='上海沣谷网络科技有限公司', region='310115', org='32456781',
         brands=['沣谷金服', '沣谷'], domain='www.fenggujf.com', bank='江西银行',
         founded='2014-09-12', launch='2015-03', cap=5000, paid=5000, icp='沪ICP备14041236号-1',
         gongan='沪公网安备 31011502004518号', tel='400-820-6618', city='上海',
         reg_addr='中国（上海）自由贸易试验区张杨路707号2201室',
         biz_addr='上海市浦东新区世纪大道1568号中建大厦21层',
         kind='mixed', avg_loan=38000, v0=1.8e7, g=1.045, term=12, rate=0.0935),
    dict(key='huixi', name='深圳市前海汇溪互联网金融服务有限公司', region='440300', org='MA5D8K3T',
         brands=['汇溪贷', '汇溪'], domain='www.huixidai.com', bank='广东华兴银行',
         founded='2016-04-21', launch='2016-07', cap=10000, paid=3000, icp='粤ICP备16038852号',
         gongan='粤公网安备 44030502001287号', tel='400-990-3166', city='深圳',
         reg_addr='深圳市前海深港合作区前湾一路1号A栋201室',
         biz_addr='深圳市福田区福华三路88号财富大厦36楼',
         kind='consumer', avg_loan=4600, v0=2.4e7, g=1.06, term=6, rate=0.1080),
    dict(key='qiantangzhan', name='杭州钱塘栈信息技术有限公司', region='330106', org='MA27WB4H',
         brands=['钱塘栈', '塘栈理财'], domain='www.qiantangzhan.com', bank='浙商银行',
         founded='2015-11-03', launch='2016-02', cap=3000, paid=1200, icp='浙ICP备15039817号-2',
         gongan='浙公网安备 33010602008321号', tel='0571-8766 3120', city='杭州',
         reg_addr='浙江省杭州市西湖区文三路259号昌地火炬大厦1号楼8层808室',
         biz_addr='浙江省杭州市西湖区文三路259号昌地火炬大厦1号楼8层',
         kind='business', avg_loan=320000, v0=1.1e7, g=1.05, term=9, rate=0.1120),
    dict(key='yanchi', name='北京砚池网络科技有限公司', region='110105', org='39765432',
         brands=['砚池在线', '砚池'], domain='www.yanchi.cn', bank='北京银行',
         founded='2014-06-18', launch='2014-12', cap=10000, paid=10000, icp='京ICP备14036578号-3',
         gongan='京公网安备 11010502028765号', tel='400-600-0916', city='北京',
         reg_addr='北京市朝阳区东三环中路5号楼27层2708',
         biz_addr='北京市朝阳区建国路79号华贸中心2号写字楼15层',
         kind='mixed', avg_loan=56000, v0=3.2e7, g=1.03, term=12, rate=0.0890),
    dict(key='suirongyi', name='广州穗融易信息科技有限公司', region='440106', org='MA59BQ7L',
         brands=['穗融易'], domain='www.suirongyi.com', bank='广东华兴银行',
         founded='2016-01-27', launch='2016-05', cap=5000, paid=2050, icp='粤ICP备16012043号-1',
         gongan='粤公网安备 44010602003356号', tel='020-3828 7700', city='广州',
         reg_addr='广州市天河区珠江西路15号2104房', biz_addr='广州市天河区珠江西路15号珠江城大厦21楼',
         kind='business', avg_loan=180000, v0=9.0e6, g=1.04, term=6, rate=0.1010),
    dict(key='jinjie', name='南京金阶信息服务有限公司', region='320113', org='30287645',
         brands=['金阶网', '金阶'], domain='www.jinjiewang.com', bank='南京银行',
         founded='2014-03-06', launch='2014-08', cap=2000, paid=2000, icp='苏ICP备14008823号-1',
         gongan='苏公网安备 32011302320177号', tel='025-5866 1288', city='南京',
         reg_addr='南京市栖霞区仙林大道8号紫东国际创意园B3栋',
         biz_addr='南京市鼓楼区中山北路30号城市名人酒店写字楼19楼',
         kind='business', avg_loan=420000, v0=6.0e6, g=1.02, term=6, rate=0.1150),
    dict(key='rongxinbao', name='成都蓉信宝网络科技有限公司', region='510107', org='MA61TG2Y',
         brands=['蓉信宝'], domain='www.rongxinbao.com.cn', bank='新网银行',
         founded='2016-08-09', launch='2016-11', cap=5000, paid=5000, icp='蜀ICP备16027715号',
         gongan='川公网安备 51010702000612号', tel='400-028-5958', city='成都',
         reg_addr='成都市武侯区人民南路四段1号时代数码大厦17层',
         biz_addr='成都市高新区天府大道北段1700号环球中心W3区12楼',
         kind='consumer', avg_loan=3200, v0=1.5e7, g=1.07, term=6, rate=0.1260),
    dict(key='chuhuitong', name='武汉楚汇通网络科技有限公司', region='420106', org='MA4KN6BW',
         brands=['楚汇通'], domain='www.chuhuitong.com', bank='恒丰银行',
         founded='2015-12-15', launch='2016-03', cap=5000, paid=1000, icp='鄂ICP备16001742号-1',
         gongan='鄂公网安备 42010602000955号', tel='027-8771 6600', city='武汉',
         reg_addr='武汉市武昌区中北路109号中南大厦18楼', biz_addr='武汉市武昌区中北路109号中南大厦18楼',
         kind='business', avg_loan=260000, v0=1.3e7, g=1.04, term=9, rate=0.1190),
    dict(key='lufu', name='厦门鹭付金融信息服务有限公司', region='350203', org='MA2Y6P0C',
         brands=['鹭付贷', '鹭付'], domain='www.lufudai.com', bank='厦门银行',
         founded='2016-06-30', launch='2016-10', cap=6000, paid=6000, icp='闽ICP备16024488号-1',
         gongan='闽公网安备 35020302001178号', tel='400-059-2233', city='厦门',
         reg_addr='厦门市思明区鹭江道98号建设银行大厦2503', biz_addr='厦门市思明区鹭江道98号建设银行大厦25层',
         kind='consumer', avg_loan=7800, v0=1.2e7, g=1.05, term=9, rate=0.0980),
    dict(key='chengzi', name='苏州姑苏橙网络科技有限公司', region='320505', org='MA1MDL5R',
         brands=['橙e借', '姑苏橙'], domain='www.chengejie.com', bank='江苏银行',
         founded='2016-03-22', launch='2016-08', cap=5000, paid=5000, icp='苏ICP备16021199号-2',
         gongan='苏公网安备 32050502000418号', tel='0512-6898 0011', city='苏州',
         reg_addr='苏州高新区狮山路35号金河国际大厦16层', biz_addr='苏州工业园区苏州大道东265号现代传媒广场30层',
         kind='consumer', avg_loan=12000, v0=2.0e7, g=1.05, term=12, rate=0.0960),
    dict(key='huilian', name='合肥徽链信息技术有限公司', region='340104', org='MA2NBC8E',
         brands=['徽链金服', '徽链'], domain='www.huilianjf.com', bank='徽商银行',
         founded='2016-09-14', launch='2017-01', cap=5000, paid=5000, icp='皖ICP备16019921号-1',
         gongan='皖公网安备 34010402701234号', tel='400-551-8686', city='合肥',
         reg_addr='合肥市蜀山区潜山路888号百利中心南塔19层', biz_addr='合肥市蜀山区潜山路888号百利中心南塔19层',
         kind='mixed', avg_loan=64000, v0=8.0e6, g=1.06, term=12, rate=0.0920),
    dict(key='maitian', name='重庆渝麦网络科技有限公司', region='500112', org='MA5U3X1J',
         brands=['麦田贷', '渝麦金融', '渝麦'], domain='www.maitiandai.com', bank='海口联合农村商业银行',
         founded='2016-02-19', launch='2016-06', cap=2000, paid=800, icp='渝ICP备16003157号-1',
         gongan='渝公网安备 50011202500322号', tel='023-6788 1166', city='重庆',
         reg_addr='重庆市渝北区金开大道68号协信星光时代广场11-6', biz_addr='重庆市江北区庆云路1号国金中心T1-23层',
         kind='consumer', avg_loan=5400, v0=1.0e7, g=1.06, term=6, rate=0.1320),
    dict(key='hongxin', name='西安长安泓信息科技有限公司', region='610113', org='MA6TY2QW',
         brands=['泓信宝', '长安泓'], domain='www.hongxinbao.com', bank='渤海银行',
         founded='2015-10-28', launch='2016-01', cap=5000, paid=5000, icp='陕ICP备15012879号-1',
         gongan='陕公网安备 61011302000745号', tel='029-8836 2200', city='西安',
         reg_addr='陕西省西安市雁塔区高新路52号高科大厦10层', biz_addr='陕西省西安市高新区锦业路1号都市之门B座18层',
         kind='business', avg_loan=150000, v0=7.0e6, g=1.04, term=6, rate=0.1090),
    dict(key='micang', name='济南米仓互联网金融信息服务有限公司', region='370102', org='MA3CRE9D',
         brands=['米仓理财', '米仓'], domain='www.micanglicai.com', bank='恒丰银行',
         founded='2016-05-11', launch='2016-09', cap=3000, paid=3000, icp='鲁ICP备16013386号-1',
         gongan='鲁公网安备 37010202000899号', tel='0531-8219 6600', city='济南',
         reg_addr='山东省济南市历下区经十路13777号中润世纪广场6号楼1503',
         biz_addr='山东省济南市历下区经十路13777号中润世纪广场6号楼15层',
         kind='consumer', avg_loan=9000, v0=6.0e6, g=1.05, term=9, rate=0.1050),
    dict(key='jinqiao', name='天津津桥宝网络科技有限公司', region='120116', org='MA05KQ6H',
         brands=['津桥宝'], domain='www.jinqiaobao.com', bank='上海华瑞银行',
         founded='2016-07-07', launch='2016-12', cap=5000, paid=5000, icp='津ICP备16005273号-1',
         gongan='津公网安备 12011602000321号', tel='022-5883 6636', city='天津',
         reg_addr='天津自贸试验区（中心商务区）响螺湾旷世国际大厦A座1708',
         biz_addr='天津市和平区南京路189号津汇广场2座27层',
         kind='mixed', avg_loan=45000, v0=9.0e6, g=1.05, term=12, rate=0.0990),
]
for _p in PLATFORMS:
    _p['uscc'] = uscc(_p['region'], _p['org'])
    assert uscc_valid(_p['uscc'])
P = {p['key']: p for p in PLATFORMS}

# ---------------------------------------------------------------- items
ITEMS = [
    ('累计借贷金额', 'amt'), ('累计借贷笔数', 'cnt'), ('借贷余额', 'amt'), ('借贷余额笔数', 'cnt'),
    ('利息余额', 'amt'), ('累计出借人数量', 'ppl'), ('累计借款人数量', 'ppl'),
    ('当期出借人数量', 'ppl'), ('当期借款人数量', 'ppl'),
    ('前十大借款人待还金额占比', 'rate'), ('最大单一借款人待还金额占比', 'rate'),
    ('关联关系借款余额', 'amt'), ('关联关系借款笔数', 'cnt'),
    ('逾期金额', 'amt'), ('逾期笔数', 'cnt'),
    ('逾期90天（不含）以上金额', 'amt'), ('逾期90天（不含）以上笔数', 'cnt'),
    ('累计代偿金额', 'amt'), ('累计代偿笔数', 'cnt'),
    ('项目逾期率', 'rate'), ('金额逾期率', 'rate'), ('历史平均约定年化利率', 'rate'),
]
KIND = dict(ITEMS)
R90A = '逾期90天（不含）以上金额'
R90N = '逾期90天（不含）以上笔数'
ALL = [i for i, _ in ITEMS]
CORE = ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '累计出借人数量', '累计借款人数量',
        '逾期金额', '逾期笔数', '项目逾期率', '金额逾期率']

VARIANTS = {
    '累计借贷金额': ['累计借贷金额', '累计交易总额', '累计成交额', '累计撮合金额', '自成立以来累计借贷金额',
                '累计撮合交易额', '平台累计成交金额', '累计借贷总额'],
    '累计借贷笔数': ['累计借贷笔数', '累计交易笔数', '累计成交笔数', '累计撮合笔数', '自成立以来累计借贷笔数'],
    '借贷余额': ['借贷余额', '待还余额', '在贷余额', '贷款余额', '待收余额', '借贷余额总额'],
    '借贷余额笔数': ['借贷余额笔数', '待还笔数', '在贷笔数', '未到期借款笔数', '借贷余额(笔数)'],
    '利息余额': ['利息余额', '待还利息', '待收利息', '未偿还利息余额'],
    '累计出借人数量': ['累计出借人数量', '累计出借人数', '累计出借人', '自成立以来累计出借人数量', '累计投资人数'],
    '累计借款人数量': ['累计借款人数量', '累计借款人数', '累计借款人', '自成立以来累计借款人数量', '累计融资人数'],
    '当期出借人数量': ['当期出借人数量', '当期出借人数', '本月出借人数', '当月出借人数量'],
    '当期借款人数量': ['当期借款人数量', '当期借款人数', '本月借款人数', '当月借款人数量'],
    '前十大借款人待还金额占比': ['前十大借款人待还金额占比', '最大十户借款人待还金额占比', '前十名借款人待还金额占比',
                     '前十大借款人借款余额占比', '前十大借款人待还金额占比例'],
    '最大单一借款人待还金额占比': ['最大单一借款人待还金额占比', '最大单户借款人待还金额占比', '最大单一借款人借款余额占比',
                      '单一最大借款人待还金额占比'],
    '关联关系借款余额': ['关联关系借款余额', '关联方借款余额', '关联关系借款金额'],
    '关联关系借款笔数': ['关联关系借款笔数', '关联方借款笔数'],
    '逾期金额': ['逾期金额', '借款人逾期金额', '逾期借款金额', '逾期总金额'],
    '逾期笔数': ['逾期笔数', '借款人逾期笔数', '逾期借款笔数', '逾期总笔数'],
    '逾期90天（不含）以上金额': ['逾期90天（不含）以上金额', '逾期90天以上金额', '逾期90天(不含)以上金额', '90天以上逾期金额',
                       '逾期90天（不含）以上的金额'],
    '逾期90天（不含）以上笔数': ['逾期90天（不含）以上笔数', '逾期90天以上笔数', '逾期90天(不含)以上笔数', '90天以上逾期笔数'],
    '累计代偿金额': ['累计代偿金额', '代偿金额（累计）', '累计代偿总额', '累计代偿金额(担保机构)'],
    '累计代偿笔数': ['累计代偿笔数', '代偿笔数（累计）', '累计代偿总笔数'],
    '项目逾期率': ['项目逾期率', '逾期率(笔数)', '逾期率（笔数）', '笔数逾期率'],
    '金额逾期率': ['金额逾期率', '逾期率(金额)', '逾期率（金额）', '逾期金额占比'],
    '历史平均约定年化利率': ['历史平均约定年化利率', '平均约定年化利率', '平均年化收益率', '历史平均年化收益率',
                   '借款人平均约定年化利率'],
}
UNIT_OF = {'cnt': '笔', 'ppl': '人'}
FEES = {
    'fenggu': '借款人：平台服务费为借款本金的0.3%/月，按月收取；出借人：不收取任何费用；提现手续费2元/笔（每月前3笔免费）。',
    'huixi': '借款服务费按借款金额的1%-6%一次性收取；逾期罚息为逾期本金的0.05%/日；出借人充值、提现免费。',
    'qiantangzhan': '借款人居间服务费：年化1.5%-4%，放款时一次性收取；出借人不收取费用。',
    'yanchi': '借款管理费：借款本金×0.25%×借款期限（月）；债权转让手续费：转让本金的0.5%。',
    'suirongyi': '平台向借款人收取服务费（年化2%-5%），向出借人收取利息管理费（利息的10%）。',
    'jinjie': '借款服务费为借款金额的2%，按次收取；提前还款违约金为剩余本金的1%。',
    'rongxinbao': '借款人服务费：每期借款本金的0.6%；逾期管理费：每日应还未还金额的0.1%。',
    'chuhuitong': '借款人咨询服务费：借款本金的3%（一次性）；出借人：免费。',
    'lufu': '借款人平台服务费：月费率0.35%；出借人利息管理费：暂免。',
    'chengzi': '借款人服务费按月收取，费率为借款本金的0.4%；出借人不收取任何费用。',
    'huilian': '平台服务费：年化2.0%，按月随还款收取；债权转让费：0.3%。',
    'maitian': '借款人信息服务费：借款本金×1.2%×期数；逾期违约金：每日0.08%。',
    'hongxin': '借款服务费：借款金额的1.5%-3.5%；出借人不收费。',
    'micang': '借款人服务费：年化3%；出借人提现费：每笔1元。',
    'jinqiao': '借款人账户管理费：每月借款本金的0.3%；出借人：免费。',
}


# ---------------------------------------------------------------- months
def ym(y, m):
    return '%04d-%02d' % (y, m)


def month_iter(start, end):
    y, m = map(int, start.split('-'))
    ey, em = map(int, end.split('-'))
    while (y, m) <= (ey, em):
        yield ym(y, m)
        m += 1
        if m == 13:
            y, m = y + 1, 1


def prev_month(p, n=1):
    y, m = map(int, p.split('-'))
    for _ in range(n):
        m -= 1
        if m == 0:
            y, m = y - 1, 12
    return ym(y, m)


def next_month(p):
    y, m = map(int, p.split('-'))
    m += 1
    if m == 13:
        y, m = y + 1, 1
    return ym(y, m)


def month_end(p):
    y, m = map(int, p.split('-'))
    n = date(y + (m == 12), m % 12 + 1, 1)
    return n - timedelta(days=1)


def pub_date(p, rng, late=False):
    """a working day within the first five working days of the next month (or later if late)."""
    y, m = map(int, next_month(p).split('-'))
    d = date(y, m, 1)
    wd = 0
    target = rng.randint(2, 5) if not late else rng.randint(8, 12)
    while True:
        if d.weekday() < 5:
            wd += 1
            if wd == target:
                return d
        d += timedelta(days=1)


# ---------------------------------------------------------------- hidden series
DISTRESS = {'qiantangzhan': '2018-07', 'chuhuitong': '2018-08', 'maitian': '2018-07',
            'micang': '2019-03', 'jinjie': '2018-11', 'hongxin': '2018-10'}


def build_series():
    S = {}
    for p in PLATFORMS:
        rng = random.Random('series-' + p['key'])
        months = list(month_iter(p['launch'], '2019-06'))
        vols, cnts = [], []
        cum_amt = cum_cnt = 0.0
        cum_len = cum_bor = 0
        cum_comp = 0.0
        cum_comp_n = 0
        ser = {}
        hist_rate = p['rate']
        od_base = {'consumer': 0.012, 'business': 0.006, 'mixed': 0.008}[p['kind']]
        stop = DISTRESS.get(p['key'])
        for t, mo in enumerate(months):
            f = p['g'] ** min(t, 30) * rng.uniform(0.9, 1.1)
            if stop and mo >= stop:
                f *= 0.15 if mo == stop else 0.0
            v = p['v0'] * f
            n = int(v / p['avg_loan'] * rng.uniform(0.9, 1.1))
            if v > 0 and n == 0:
                n = 1
            vols.append(v)
            cnts.append(n)
            cum_amt += v
            cum_cnt += n
            T = p['term']
            bal = sum(vols[-k - 1] * (1 - k / T) for k in range(min(T, len(vols))))
            baln = int(sum(cnts[-k - 1] * (1 - k / T) for k in range(min(T, len(cnts)))))
            if stop and mo > stop:
                bal *= 1.0 + 0.1 * (months.index(mo) - months.index(stop))  # repayments stall
                baln = max(baln, int(ser[prev_month(mo)]['借贷余额笔数'] * 0.97))
                bal = max(bal, ser[prev_month(mo)]['借贷余额'] * 0.96)
            per_lender = {'consumer': 21000, 'business': 52000, 'mixed': 34000}[p['kind']]
            cur_len = max(int(v / per_lender * rng.uniform(0.8, 1.2)), 0)
            cur_bor = max(int(n * rng.uniform(0.72, 0.95)), 0) if p['kind'] != 'business' else max(int(n * rng.uniform(0.4, 0.8)), 0)
            cum_len += int(cur_len * rng.uniform(0.25, 0.4)) + (3 if v else 0)
            cum_bor += int(cur_bor * rng.uniform(0.6, 0.9)) + (1 if v else 0)
            od_rate = od_base * (1 + t / 40.0) * rng.uniform(0.85, 1.15)
            if stop and mo >= stop:
                od_rate *= 6 + 3 * (months.index(mo) - months.index(stop))
            od_rate = min(od_rate, 0.9)
            od_amt = bal * od_rate
            od_n = int(baln * od_rate * rng.uniform(0.8, 1.2))
            od90 = od_amt * rng.uniform(0.25, 0.55)
            od90_n = int(od_n * rng.uniform(0.2, 0.5))
            if od_amt > 0 and od_n == 0:
                od_n = 1                       # an overdue amount is at least one overdue loan
            if od90 > 0 and od90_n == 0:
                od90_n = 1
            comp = v * od_base * 0.6 * rng.uniform(0.5, 1.5) if p['kind'] != 'consumer' or t % 2 == 0 else 0.0
            cum_comp += comp
            cum_comp_n += int(comp / p['avg_loan']) + (1 if comp > 0 else 0)
            if p['kind'] == 'consumer':
                top10 = rng.uniform(0.0008, 0.004)
                top1 = top10 * rng.uniform(0.11, 0.2)
            elif p['kind'] == 'business':
                top10 = rng.uniform(0.12, 0.33)
                top1 = top10 * rng.uniform(0.1, 0.22)
            else:
                top10 = rng.uniform(0.02, 0.08)
                top1 = top10 * rng.uniform(0.1, 0.2)
            rel = 0.0
            reln = 0
            if p['key'] in ('yanchi', 'suirongyi', 'chuhuitong'):
                reln = rng.randint(1, 4)
                rel = round(reln * p['avg_loan'] * rng.uniform(0.8, 1.6), -2)
            hist_rate = hist_rate * 0.995 + p['rate'] * 0.005 + rng.uniform(-0.0004, 0.0004)
            ser[mo] = {
                '累计借贷金额': round(cum_amt, 2), '累计借贷笔数': int(cum_cnt),
                '借贷余额': round(bal, 2), '借贷余额笔数': baln,
                '利息余额': round(bal * p['rate'] * (T / 2.0) / 12 * rng.uniform(0.9, 1.05), 2),
                '累计出借人数量': cum_len, '累计借款人数量': cum_bor,
                '当期出借人数量': cur_len, '当期借款人数量': cur_bor,
                '前十大借款人待还金额占比': top10, '最大单一借款人待还金额占比': top1,
                '关联关系借款余额': rel, '关联关系借款笔数': reln,
                '逾期金额': round(od_amt, 2), '逾期笔数': od_n,
                '逾期90天（不含）以上金额': round(od90, 2), '逾期90天（不含）以上笔数': od90_n,
                '累计代偿金额': round(cum_comp, 2), '累计代偿笔数': cum_comp_n,
                '项目逾期率': (od_n / baln) if baln else 0.0, '金额逾期率': (od_amt / bal) if bal else 0.0,
                '历史平均约定年化利率': hist_rate,
                # not guideline items: monthly flow figures that many platforms printed beside the stock figures
                '_当月借贷金额': round(v, 2), '_当月借贷笔数': n,
            }
        S[p['key']] = ser
    return S


SERIES = build_series()


# ---------------------------------------------------------------- number formatting
def q(x, dec):
    x = x if isinstance(x, D) else D(repr(x))
    return x.quantize(D(1).scaleb(-dec), rounding=ROUND_HALF_UP) if dec > 0 else x.quantize(D(1), rounding=ROUND_HALF_UP)


def commafy(d, dec, comma=True):
    s = ('{:,.%df}' % dec).format(d) if comma else ('{:.%df}' % dec).format(d)
    return s


def jnum(d):
    d = D(d)
    if d == d.to_integral_value():
        return int(d)
    return float(d.normalize())


MULT = {'元': D(1), '万元': D(10000), '万': D(10000), '亿元': D(100000000), '亿': D(100000000)}


# ---------------------------------------------------------------- page context
def pfmt(period, style):
    y, m = map(int, period.split('-'))
    e = month_end(period)
    return {
        'cn': '%d年%d月' % (y, m), 'cn0': '%d年%02d月' % (y, m), 'dash': '%d-%02d' % (y, m),
        'dot': '%d.%02d' % (y, m), 'slash': '%d/%02d' % (y, m), 'm': '%d月' % m,
        'end': '截至%d年%d月%d日' % (y, m, e.day), 'endd': '%d-%02d-%02d' % (y, m, e.day),
        'mo': '%d年%d月末' % (y, m), 'ym': '%d%02d' % (y, m),
    }[style]


class Ctx:
    def __init__(self, pkey, periods, seed, amt_unit='元', dec=None, marks=None, sup=False, pub=True,
                 pub_late=False, overrides=None, rate='%', comma=True, label_pick=None, fw=True):
        self.p = P[pkey]
        self.key = pkey
        self.ser = SERIES[pkey]
        self.periods = periods
        self.rng = random.Random(seed)
        self.seed = seed
        self.amt_unit = amt_unit
        self.dec = dec
        self.marks = marks or {}
        self.sup = sup
        self.overrides = overrides or {}
        self.rate = rate          # '%', '％', 'frac'
        self.comma = comma
        self.label_pick = label_pick or {}
        self.fw = fw
        self.values = []
        self.texts = []
        self.distractors = []
        self.pub = pub_date(periods[-1], self.rng, pub_late) if pub else None
        self._lab = {}
        self.zero_dec = self.rng.random() < 0.5   # a page writes zero amounts one way: 0 or 0.00

    # labels ------------------------------------------------------------
    def base(self, item):
        if item not in self._lab:
            self._lab[item] = self.label_pick.get(item) or self.rng.choice(VARIANTS[item])
        return self._lab[item]

    def unit_of(self, item, amt_unit=None):
        k = KIND[item]
        if k == 'amt':
            u = amt_unit or self.amt_unit
            return u
        if k == 'rate':
            return '' if self.rate == 'frac' else '%'
        return UNIT_OF[k]

    def label(self, item, with_unit=False, amt_unit=None):
        """returns (html, text)"""
        s = self.base(item)
        if with_unit and not s.endswith(('(笔数)', '（笔数）')):
            u = self.unit_of(item, amt_unit)
            if u:
                s += ('（%s）' if self.fw else '(%s)') % u
        m = self.marks.get(item)
        if not m:
            return s, s
        if self.sup:
            return s + '<sup>%s</sup>' % m, s + m
        return s + m, s + m

    # values ------------------------------------------------------------
    def raw(self, item, period):
        return self.ser[period][item]

    def val(self, item, period, label, suffix=True, amt_unit=None, dec=None, sep=''):
        """format the value of item for period; record expected; return display text."""
        k = KIND[item]
        r = self.raw(item, period)
        ov = self.overrides.get((item, period), {})
        suspect = bool(ov.get('suspect'))
        if 'mult' in ov:
            r = r * ov['mult']
        if 'raw' in ov:
            r = ov['raw']
        if k == 'amt':
            u = amt_unit or self.amt_unit
            if u == 'auto':
                u = '亿元' if r >= 1e8 else ('万元' if r >= 1e4 else '元')
            if u == 'auto2':
                u = '亿' if r >= 1e8 else ('万' if r >= 1e4 else '元')
            dd = dec if dec is not None else (self.dec if self.dec is not None else {'元': 2, '万元': 2, '万': 2, '亿元': 2, '亿': 2}[u])
            n = q(D(repr(r)) / MULT[u], dd) if r else D(0)
            txt = commafy(n, dd if (r or self.zero_dec) else 0, self.comma)
            exp = n * MULT[u]
            unit_txt = u
        elif k in ('cnt', 'ppl'):
            if 'text' in ov:
                txt = ov['text']
                exp = D(ov['text'].replace(',', ''))
            else:
                n = int(r)
                txt = commafy(D(n), 0, self.comma)
                exp = D(n)
            unit_txt = UNIT_OF[k]
        else:
            if self.rate == 'frac':
                dd = dec if dec is not None else 4
                n = q(r, dd)
                txt = commafy(n, dd, False)
                exp = n
                unit_txt = ''
            else:
                dd = ov.get('dec', dec if dec is not None else 2)
                n = q(float(r) * 100, dd)
                txt = commafy(n, dd, False)
                exp = n / 100
                unit_txt = self.rate
        if 'text' in ov and k not in ('cnt', 'ppl'):
            txt = ov['text']
            unit_txt = ''
        if suffix and unit_txt:
            txt = txt + sep + unit_txt
        self.values.append(dict(item=item, period=period, value=jnum(exp), label_on_page=label,
                                suspect=suspect))
        return txt

    def fee(self, period, label='收费标准'):
        t = FEES[self.key]
        self.texts.append(dict(item='收费标准', period=period, label_on_page=label, text_contains=t[:12]))
        return t

    def distract(self, label, text):
        self.distractors.append(dict(label_on_page=label, text=text))

    def publine(self, style=None):
        if not self.pub:
            return ''
        d = self.pub
        style = style or self.rng.choice(['a', 'b', 'c', 'd'])
        hh, mm = self.rng.randint(9, 18), self.rng.randint(0, 59)
        views = self.rng.randint(300, 9000)
        if style == 'a':
            return '<p class="pub-time">发布时间：%s</p>' % d.isoformat()
        if style == 'b':
            return '<div class="info">发布日期：%d年%02d月%02d日&nbsp;&nbsp;来源：运营中心&nbsp;&nbsp;阅读：%s次</div>' % (
                d.year, d.month, d.day, '{:,}'.format(views))
        if style == 'c':
            return '<div class="art-info"><span>更新时间：%d/%d/%d %02d:%02d</span><span>浏览量：%d</span></div>' % (
                d.year, d.month, d.day, hh, mm, views)
        return '<div class="meta"><time datetime="%s">%s %02d:%02d:%02d</time> <span>作者：信息披露小组</span></div>' % (
            d.isoformat(), d.isoformat(), hh, mm, self.rng.randint(0, 59))

    def signoff(self):
        """a publication date in the sign-off at the bottom (落款)."""
        if not self.pub:
            return ''
        d = self.pub
        return '<p class="sign" style="text-align:right">%s<br>%d年%d月%d日</p>' % (self.p['name'], d.year, d.month, d.day)

    def items_for(self, base_list=None, drop=()):
        """the page's item list: real pages leave out an item or two and do not keep the guideline's order exactly."""
        rng = random.Random('items-' + self.seed)
        lst = [i for i in (base_list or ALL) if i not in drop]
        optional = [i for i in lst if i not in CORE]
        for i in rng.sample(optional, rng.choice([0, 0, 1, 2])):
            lst.remove(i)
        for _ in range(rng.choice([0, 1, 2, 3])):
            k = rng.randrange(len(lst) - 1)
            lst[k], lst[k + 1] = lst[k + 1], lst[k]
        return lst

    def footnote_html(self):
        notes = {
            '项目逾期率': '项目逾期率＝截至统计时点逾期笔数／借贷余额笔数×100%。',
            '金额逾期率': '金额逾期率＝逾期金额／借贷余额×100%，逾期指借款人未按合同约定按期足额偿还本息。',
            '逾期90天（不含）以上金额': '逾期90天（不含）以上金额为逾期天数超过90天（不含90天）的借款本金余额。',
            '逾期90天（不含）以上笔数': '逾期90天（不含）以上笔数按借款项目计算。',
            '累计代偿金额': '代偿由合作担保机构或第三方机构履行，平台不承担代偿义务，不提供担保。',
            '累计代偿笔数': '代偿笔数按借款项目统计。',
            '借贷余额': '借贷余额指截至统计日尚未偿还的借款本金总额，不含利息。',
            '利息余额': '利息余额为借款人尚未偿还的约定利息总额。',
            '前十大借款人待还金额占比': '前十大借款人待还金额占比＝前十大借款人待还金额／借贷余额。',
            '最大单一借款人待还金额占比': '最大单一借款人待还金额占比＝最大单一借款人待还金额／借贷余额。',
            '关联关系借款余额': '关联关系借款指平台股东、实际控制人、董监高及其关联方作为借款人的借款。',
            '累计出借人数量': '出借人数量按注册用户去重统计。',
            '累计借款人数量': '借款人数量按借款主体去重统计，企业与个人合并计算。',
            '当期出借人数量': '当期指统计月份内（自然月）。',
            '历史平均约定年化利率': '历史平均约定年化利率为按金额加权的约定利率，不代表对出借人收益的承诺。',
            '逾期金额': '逾期金额含逾期本金及利息。',
            '累计借贷金额': '累计借贷金额为平台自上线以来撮合完成的借款本金总额。',
        }
        out = []
        seen = set()
        for item, m in self.marks.items():
            if m in seen:
                continue
            seen.add(m)
            out.append('<p class="note">%s %s</p>' % (m, notes.get(item, '数据来源于存管银行账户记录。')))
        return '<div class="footnotes">%s</div>' % ''.join(out) if out else ''


# ---------------------------------------------------------------- site chrome
CSS = {
    'modern': 'body{font:14px/1.6 "Microsoft YaHei",Arial}.w1200{width:1200px;margin:0 auto}.side{float:left;width:200px}'
              '.main{float:right;width:960px}table{border-collapse:collapse}td,th{border:1px solid #e5e5e5;padding:8px 12px}',
    'bs': 'body{padding-top:70px}.table>tbody>tr>td{vertical-align:middle}.card{display:inline-block;width:23%;margin:1%}',
    'cms': '#xxpl .left{width:220px;float:left}#xxpl .right{margin-left:240px}.data-list li{line-height:36px}',
}


def counters(ctx):
    p = ctx.p
    rng = random.Random('cnt-' + p['key'])
    users = rng.randint(80000, 2600000)
    earned = rng.uniform(2e7, 6e8)
    days = (date(2018, 12, 31) - date(*map(int, (p['launch'] + '-01').split('-')))).days
    ctx.distract('注册用户', '{:,}'.format(users))
    ctx.distract('累计为出借人赚取收益', '{:,.2f}'.format(earned))
    return ('<div class="stat-bar"><span>安全运营 <b>%d</b> 天</span><span>注册用户 <b>%s</b> 人</span>'
            '<span>累计为出借人赚取收益 <b>%s</b> 元</span></div>' % (days, '{:,}'.format(users), '{:,.2f}'.format(earned)))


def footer(ctx, style):
    p = ctx.p
    y0 = p['founded'][:4]
    links = ('<div class="links">友情链接：<a href="http://www.nifa.org.cn/">中国互联网金融协会</a> '
             '<a href="http://www.cbrc.gov.cn/">中国银保监会</a> <a href="#">%s</a> <a href="#">网贷知识</a></div>' % p['bank'])
    ctx.distract('客服热线', p['tel'])
    return ('<div class="footer">%s<p>客服热线：%s（工作日 09:00-18:00）&nbsp;客服邮箱：service@%s</p>'
            '<p>%s &nbsp; %s &nbsp; 注册资本：%s万元人民币</p>'
            '<p>Copyright &copy; %s-2019 %s 版权所有 &nbsp; 地址：%s</p>'
            '<p class="risk">市场有风险，出借需谨慎。%s提供资金存管服务，不对平台项目承担担保责任。</p></div>'
            % (links, p['tel'], p['domain'].replace('www.', ''), p['icp'], p['gongan'],
               '{:,}'.format(p['cap']), y0, p['name'], p['biz_addr'], p['bank']))


TICKER = {'jinqiao_201809_dash', 'fenggu_201811', 'huixi_201805', 'rongxinbao_201812_narr'}


def ticker(ctx):
    """a site-wide live counter in the header: the platform's figures 'as of today' (2019-06), not the page's period."""
    s = SERIES[ctx.key]['2019-05']
    amt = '%.2f亿元' % (s['累计借贷金额'] / 1e8)
    users = '{:,}'.format(int(s['累计出借人数量'] * 9.3))
    ctx.distract('平台累计成交', amt)
    ctx.distract('累计注册用户', users)
    return ('<div class="ticker">截至今日，平台累计成交 <strong>%s</strong>，累计注册用户 <strong>%s</strong> 人，'
            '风险准备金 <strong>%s万元</strong></div>' % (amt, users, '{:,.2f}'.format(s['借贷余额'] * 0.012 / 1e4)))


PROJ = {'fenggu_2018q2', 'chengzi_201810', 'suirongyi_201807', 'micang_201809'}


def projects(ctx):
    """a 'recommended loans' side box: single-loan amounts and rates that are not operating data."""
    rng = random.Random('proj-' + ctx.seed)
    out = []
    for i in range(3):
        amt = rng.choice([50000, 80000, 120000, 200000, 300000, 500000])
        rate = rng.choice([8.4, 9.0, 9.6, 10.2, 11.0])
        left = rng.randint(1, amt // 100) * 100
        name = '%s%s%02d期' % (ctx.p['brands'][-1], rng.choice(['月月盈', '季享', '稳盈', '车贷', '优选']), rng.randint(1, 60))
        ctx.distract('借款金额', '{:,.2f}'.format(amt))
        out.append('<li><h5>%s</h5><p>借款金额 <b>%s</b> 元</p><p>约定年化利率 <b>%.2f%%</b></p><p>期限 %d个月</p><p>剩余可投 %s元</p>'
                   '<a class="btn" href="/invest/detail/%d.html">立即出借</a></li>'
                   % (name, '{:,.2f}'.format(amt), rate, rng.choice([1, 3, 6, 12]), '{:,.2f}'.format(left), rng.randint(10000, 99999)))
    return '<div class="rec-box"><h4>推荐项目</h4><ul>%s</ul></div>' % ''.join(out)


def page(ctx, title, main, style='modern', charset='utf-8', section='运营信息', with_counters=True, extra_head=''):
    p = ctx.p
    brand = p['brands'][0]
    if ctx.seed in TICKER:
        main = ticker(ctx) + '\n' + main
    if ctx.seed in PROJ:
        main = main + '\n' + projects(ctx)
    side = ''.join('<li%s><a href="/xxpl/%s.html">%s</a></li>' % (' class="cur"' if s == section else '', h, s)
                   for s, h in [('备案信息', 'baxx'), ('组织信息', 'zzxx'), ('审核信息', 'shxx'), ('运营信息', 'yyxx'),
                                ('重大事项', 'zdsx'), ('其他信息', 'qtxx')])
    cnt = counters(ctx) if with_counters else ''
    foot = footer(ctx, style)
    if style == 'legacy':
        decl = ('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n'
                '<html xmlns="http://www.w3.org/1999/xhtml">\n<head>\n<meta http-equiv="Content-Type" content="text/html; charset=%s" />\n')
    else:
        decl = '<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="%s">\n'
    head = ((decl +
            '<meta http-equiv="X-UA-Compatible" content="IE=edge">\n<title>%s-%s</title>\n'
            '<meta name="keywords" content="%s,网络借贷,信息披露,运营数据,%s">\n'
            '<meta name="description" content="%s（%s）是依法设立的网络借贷信息中介机构，由%s提供资金存管。">\n'
            '<link rel="stylesheet" href="/static/css/base.css?v=20180612">\n<style>%s</style>%s\n</head>\n')
            % (charset, title, brand, brand, '，'.join(p['brands']), brand, p['name'], p['bank'],
               CSS.get(style, ''), extra_head))
    if style == 'modern':
        body = ('<body>\n<div class="topbar"><div class="w1200"><span>客服热线：%s</span>'
                '<span class="fr"><a href="/login.html">登录</a> | <a href="/reg.html">免费注册</a> | <a href="/app.html">手机APP</a></span></div></div>\n'
                '<div class="header"><div class="w1200"><a class="logo" href="/"><img src="/static/img/logo.png" alt="%s"></a>\n'
                '<ul class="nav"><li><a href="/">首页</a></li><li><a href="/invest/">我要出借</a></li><li><a href="/borrow/">我要借款</a></li>'
                '<li class="on"><a href="/xxpl/">信息披露</a></li><li><a href="/about/">关于我们</a></li><li><a href="/help/">帮助中心</a></li></ul></div></div>\n'
                '%s\n<div class="crumb w1200">当前位置：<a href="/">首页</a> &gt; <a href="/xxpl/">信息披露</a> &gt; %s</div>\n'
                '<div class="w1200 clearfix">\n<div class="side"><h3>信息披露</h3><ul>%s</ul></div>\n'
                '<div class="main">\n%s\n</div>\n</div>\n%s\n</body>\n</html>\n'
                % (p['tel'], brand, cnt, section, side, main, foot))
    elif style == 'bs':
        body = ('<body>\n<nav class="navbar navbar-default navbar-fixed-top"><div class="container">'
                '<a class="navbar-brand" href="/">%s</a><ul class="nav navbar-nav"><li><a href="/">首页</a></li>'
                '<li><a href="/licai">出借</a></li><li class="active"><a href="/disclosure">信息披露</a></li>'
                '<li><a href="/security">安全保障</a></li><li><a href="/about">关于我们</a></li></ul>'
                '<ul class="nav navbar-nav navbar-right"><li><a href="/login">登录</a></li><li><a href="/register">注册</a></li></ul></div></nav>\n'
                '<div class="container">\n<ol class="breadcrumb"><li><a href="/">首页</a></li><li><a href="/disclosure">信息披露</a></li>'
                '<li class="active">%s</li></ol>\n<div class="row"><div class="col-md-3"><div class="list-group">%s</div></div>\n'
                '<div class="col-md-9">\n%s\n</div></div>\n%s</div>\n<footer class="container">%s</footer>\n</body>\n</html>\n'
                % (brand, section, side.replace('<li class="cur">', '<li>').replace('<li', '<span class="list-group-item"').replace('</li>', '</span>'),
                   main, cnt, foot))
    elif style == 'cms':
        body = ('<body>\n<div class="xxpl-head"><div class="wrap"><img src="/xxpl/images/logo.png" alt="%s">'
                '<span class="t">信息披露专栏</span><a class="back" href="/">返回首页</a></div></div>\n'
                '<div id="xxpl" class="wrap">\n<div class="left"><dl class="menu"><dt>信息披露</dt>%s</dl>'
                '<div class="hotline">客服电话<br><b>%s</b></div></div>\n<div class="right">\n%s\n</div>\n</div>\n%s\n</body>\n</html>\n'
                % (brand, side.replace('<li', '<dd').replace('</li>', '</dd>'), p['tel'], main, foot))
    else:  # legacy table layout
        body = ('<body leftmargin="0" topmargin="0">\n<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0">'
                '<tr><td height="80"><img src="/images/top_logo.gif" width="260" height="60" alt="%s"></td>'
                '<td align="right"><font color="#666666">全国服务热线：%s</font></td></tr>'
                '<tr><td colspan="2" bgcolor="#C40000" height="36"><a href="/"><font color="#FFFFFF">网站首页</font></a> | '
                '<a href="/touzi/"><font color="#FFFFFF">投资理财</font></a> | <a href="/xxpl/"><font color="#FFFFFF">信息披露</font></a> | '
                '<a href="/gywm/"><font color="#FFFFFF">关于我们</font></a> | <a href="/bzzx/"><font color="#FFFFFF">帮助中心</font></a></td></tr>'
                '</table>\n<table width="1000" border="0" align="center" cellpadding="0" cellspacing="0"><tr>'
                '<td width="200" valign="top" bgcolor="#F7F7F7"><table width="100%%">%s</table></td>\n'
                '<td width="800" valign="top" style="padding:10px">\n%s\n</td></tr></table>\n'
                '<table width="1000" align="center"><tr><td align="center">%s</td></tr></table>\n</body>\n</html>\n'
                % (brand, p['tel'], side.replace('<li', '<tr><td height="30"').replace('</li>', '</td></tr>'), main, foot))
    return head + body


# ---------------------------------------------------------------- disclosure layouts
# each layout: f(ctx, **kw) -> (title, main_html)
QN = {3: '一', 6: '二', 9: '三', 12: '四'}


def L01_items_rows_months_cols(ctx, items=None, hstyle='cn'):
    """items in rows, three months in columns (one quarter per table); units in the label."""
    items = items or ctx.items_for(drop=('利息余额',))
    ps = ctx.periods
    y, m = map(int, ps[-1].split('-'))
    title = '%d年第%s季度运营数据' % (y, QN.get(m, '二'))
    rows = []
    for it in items:
        lh, lt = ctx.label(it, with_unit=True)
        tds = ''.join('<td>%s</td>' % ctx.val(it, p, lt, suffix=False) for p in ps)
        rows.append('<tr><th class="l">%s</th>%s</tr>' % (lh, tds))
    fee_period = ps[-1]
    rows.append('<tr><th class="l">收费标准</th><td colspan="%d">%s</td></tr>' % (len(ps), ctx.fee(fee_period)))
    head = '<tr><th>项目</th>%s</tr>' % ''.join('<th>%s</th>' % pfmt(p, hstyle) for p in ps)
    main = ('<h2 class="tit">%s</h2>%s\n<div class="desc">根据《网络借贷信息中介机构业务活动信息披露指引》要求，现将本平台%s运营数据披露如下：</div>\n'
            '<table class="yy-table" width="100%%"><thead>%s</thead><tbody>\n%s\n</tbody></table>\n%s'
            % (title, ctx.publine(), title[:-4], head, '\n'.join(rows), ctx.footnote_html()))
    return title, main


def L02_months_rows_items_cols(ctx, items=None, pstyle='cn0'):
    """archive: one row per month, items in columns with unit in the header."""
    items = items or ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '累计出借人数量', '累计借款人数量',
                      '逾期金额', '逾期90天（不含）以上金额', '项目逾期率', '金额逾期率']
    heads = [ctx.label(it, with_unit=True) for it in items]
    rows = []
    for p in reversed(ctx.periods):
        tds = ''.join('<td>%s</td>' % ctx.val(it, p, heads[i][1], suffix=False) for i, it in enumerate(items))
        rows.append('<tr><td class="m">%s</td>%s</tr>' % (pfmt(p, pstyle), tds))
    title = '历史运营数据'
    main = ('<h2>%s</h2>%s<p class="tip">以下数据按月更新，统计截止时间为每月最后一日24时。</p>\n'
            '<div class="table-wrap"><table class="table table-bordered table-striped"><thead><tr><th>月份</th>%s</tr></thead>\n<tbody>\n%s\n</tbody></table></div>%s'
            % (title, ctx.publine(), ''.join('<th>%s</th>' % h for h, _ in heads), '\n'.join(rows), ctx.footnote_html()))
    return title, main


def L03_kv_unit_line(ctx, unitline=None, items=None):
    """two-column table, a line 单位：... above it; counts bare, rates with %."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    unitline = unitline or '单位：%s' % ctx.amt_unit
    rows = []
    for it in items:
        lh, lt = ctx.label(it)
        suffix = KIND[it] == 'rate'
        rows.append('<tr><td>%s</td><td align="right">%s</td></tr>' % (lh, ctx.val(it, p, lt, suffix=suffix)))
    rows.append('<tr><td>收费标准</td><td>%s</td></tr>' % ctx.fee(p))
    title = '%s运营信息' % pfmt(p, 'cn')
    main = ('<div class="art"><h1>%s</h1>%s\n<p class="unit" style="text-align:right">%s</p>\n'
            '<table class="data" border="1" cellspacing="0"><tr><th>项目名称</th><th>数据</th></tr>\n%s\n</table>%s</div>'
            % (title, ctx.publine(), unitline, '\n'.join(rows), ctx.footnote_html()))
    return title, main


def L04_unit_column(ctx, items=None, unit_for=None, caliber=False):
    """transposed: 指标 | 单位 | 数值 (a separate unit column)."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    unit_for = unit_for or {}
    rows = []
    for it in items:
        lh, lt = ctx.label(it)
        au = unit_for.get(it) if KIND[it] == 'amt' else None
        u = ctx.unit_of(it, au)
        v = ctx.val(it, p, lt, suffix=False, amt_unit=au)
        extra = '<td>%s</td>' % ('时点数' if it in ('借贷余额', '借贷余额笔数', '利息余额', '逾期金额', '逾期笔数') else '累计数'
                                  if it.startswith('累计') else '—') if caliber else ''
        rows.append('<tr><td>%s</td><td>%s</td><td class="num">%s</td>%s</tr>' % (lh, u or '-', v, extra))
    title = '平台运营数据（%s）' % pfmt(p, 'cn')
    main = ('<h3>%s</h3>%s<p>统计截止日：%s</p>\n<table class="tb"><thead><tr><th>指标</th><th>单位</th><th>数值</th>%s</tr></thead>\n<tbody>%s</tbody></table>\n'
            '<p>收费标准：%s</p>%s' % (title, ctx.publine(), pfmt(p, 'endd'), '<th>口径</th>' if caliber else '',
                                  '\n'.join(rows), ctx.fee(p), ctx.footnote_html()))
    return title, main


def L05_dl(ctx, items=None):
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    dls = []
    for it in items:
        lh, lt = ctx.label(it)
        dls.append('<dt>%s</dt><dd>%s</dd>' % (lh, ctx.val(it, p, lt)))
    dls.append('<dt>收费标准</dt><dd>%s</dd>' % ctx.fee(p))
    title = '运营数据'
    main = ('<div class="panel"><div class="panel-heading"><h3>%s <small>数据截至%s</small></h3></div>%s\n'
            '<dl class="dl-horizontal">\n%s\n</dl>%s</div>' % (title, pfmt(p, 'endd'), ctx.publine(), '\n'.join(dls), ctx.footnote_html()))
    return title, main


def L06_cards(ctx, items=None):
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    cards = []
    for it in items:
        lh, lt = ctx.label(it)
        v = ctx.val(it, p, lt, suffix=False)
        u = ctx.unit_of(it)
        cards.append('<div class="card"><span>%s</span><b>%s<em>%s</em></b></div>' % (lh, v, u))
    title = '%s运营报告' % pfmt(p, 'cn')
    main = ('<div class="report"><h2>%s</h2>%s<div class="cards">\n%s\n</div>'
            '<div class="fee"><h4>收费标准</h4><p>%s</p></div>%s</div>' % (title, ctx.publine(), '\n'.join(cards), ctx.fee(p), ctx.footnote_html()))
    return title, main


def _narr(ctx, tmpl, p):
    """tokens: {L:item} label, {V:item} value, {X:item:text} label given as text, {M} month name."""
    import re
    cur = {}

    def rep(m):
        kind, rest = m.group(1), m.group(2)
        if kind == 'L':
            lh, lt = ctx.label(rest)
            cur[rest] = lt
            return lh
        if kind == 'X':
            it, txt = rest.split(':', 1)
            cur[it] = txt
            return txt
        if kind == 'V':
            return ctx.val(rest, p, cur[rest])
        return m.group(0)
    return re.sub(r'\{([LVX]):([^}]+)\}', rep, tmpl)


NARR = [
    # 0
    ['截至{D}，{B}{L:累计借贷金额}为{V:累计借贷金额}，{L:累计借贷笔数}{V:累计借贷笔数}；{L:借贷余额}{V:借贷余额}，'
     '{L:借贷余额笔数}{V:借贷余额笔数}，{L:利息余额}{V:利息余额}。',
     '平台{L:累计出借人数量}{V:累计出借人数量}，{L:累计借款人数量}{V:累计借款人数量}；{MM}{L:当期出借人数量}{V:当期出借人数量}，'
     '{L:当期借款人数量}{V:当期借款人数量}。',
     '{L:前十大借款人待还金额占比}为{V:前十大借款人待还金额占比}，{L:最大单一借款人待还金额占比}为{V:最大单一借款人待还金额占比}。'
     '平台{L:关联关系借款余额}为{V:关联关系借款余额}，{X:关联关系借款笔数:笔数}为{V:关联关系借款笔数}。',
     '{L:逾期金额}{V:逾期金额}，{L:逾期笔数}{V:逾期笔数}，其中{X:逾期90天（不含）以上金额:逾期90天（不含）以上金额}{V:逾期90天（不含）以上金额}、'
     '{X:逾期90天（不含）以上笔数:笔数}{V:逾期90天（不含）以上笔数}；{L:累计代偿金额}{V:累计代偿金额}，{L:累计代偿笔数}{V:累计代偿笔数}。',
     '{L:项目逾期率}{V:项目逾期率}，{L:金额逾期率}{V:金额逾期率}，{L:历史平均约定年化利率}{V:历史平均约定年化利率}。'],
    # 1
    ['{MM}，{B}新增注册用户{NEWU}人，较上月增长{GR}。截至{D}，{L:累计借贷金额}达{V:累计借贷金额}，{L:累计借贷笔数}达{V:累计借贷笔数}。',
     '当前{L:借贷余额}{V:借贷余额}，{X:借贷余额笔数:在贷借款}{V:借贷余额笔数}，{L:利息余额}为{V:利息余额}。',
     '自成立以来，平台服务{L:累计出借人数量}{V:累计出借人数量}、{L:累计借款人数量}{V:累计借款人数量}；{MM}{L:当期出借人数量}为{V:当期出借人数量}，'
     '{L:当期借款人数量}为{V:当期借款人数量}。',
     '{L:逾期金额}{V:逾期金额}，{L:逾期笔数}{V:逾期笔数}；{L:项目逾期率}{V:项目逾期率}，{L:金额逾期率}{V:金额逾期率}；'
     '{L:逾期90天（不含）以上金额}{V:逾期90天（不含）以上金额}，{L:逾期90天（不含）以上笔数}{V:逾期90天（不含）以上笔数}。',
     '{L:前十大借款人待还金额占比}{V:前十大借款人待还金额占比}，{L:最大单一借款人待还金额占比}{V:最大单一借款人待还金额占比}，'
     '无关联关系借款（{L:关联关系借款余额}{V:关联关系借款余额}、{L:关联关系借款笔数}{V:关联关系借款笔数}）。'],
    # 2 (short; some items only)
    ['本月，{B}平台运营平稳。截至{D}，{L:累计借贷金额}{V:累计借贷金额}，{L:借贷余额}{V:借贷余额}，{L:利息余额}{V:利息余额}；'
     '{L:累计出借人数量}{V:累计出借人数量}，{L:累计借款人数量}{V:累计借款人数量}。',
     '{L:前十大借款人待还金额占比}{V:前十大借款人待还金额占比}，{L:最大单一借款人待还金额占比}{V:最大单一借款人待还金额占比}。'
     '风险准备金余额{RES}万元，较上月末增加{RESD}万元。',
     '{L:逾期金额}{V:逾期金额}，{L:逾期笔数}{V:逾期笔数}，{L:项目逾期率}{V:项目逾期率}，{L:金额逾期率}{V:金额逾期率}。'],
]


def L07_narrative(ctx, variant=0, intro=True):
    p = ctx.periods[-1]
    y, m = map(int, p.split('-'))
    brand = ctx.p['brands'][0]
    paras = []
    rng = ctx.rng
    for t in NARR[variant]:
        t = (t.replace('{D}', pfmt(p, 'mo') if rng.random() < 0.5 else '%d年%d月%d日' % (y, m, month_end(p).day))
             .replace('{B}', brand).replace('{MM}', '%d月' % m))
        if '{NEWU}' in t:
            nu = '{:,}'.format(rng.randint(3000, 40000))
            gr = '%.1f%%' % rng.uniform(1, 9)
            ctx.distract('新增注册用户', nu)
            ctx.distract('较上月增长', gr)
            t = t.replace('{NEWU}', nu).replace('{GR}', gr)
        if '{RES}' in t:
            res = '%.2f' % rng.uniform(300, 1500)
            ctx.distract('风险准备金余额', res + '万元')
            t = t.replace('{RES}', res).replace('{RESD}', '%.2f' % rng.uniform(5, 40))
        paras.append('<p>%s</p>' % _narr(ctx, t, p))
    title = '%s%d年%d月运营报告' % (brand, y, m)
    main = ('<div class="article"><h1>%s</h1>%s<div class="content">\n%s\n%s\n<p>收费标准：%s</p>\n'
            '<p>感谢您一直以来对%s的支持与信任！</p>%s</div></div>%s'
            % (title, ctx.publine() if ctx.pub and rng.random() < 0.5 else '',
               '<p>尊敬的用户：</p>' if intro else '', '\n'.join(paras), ctx.fee(p), brand,
               ctx.signoff(), ctx.footnote_html()))
    return title, main


def L08_archive_sections(ctx, items=None):
    items = items or ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '利息余额', '累计出借人数量', '累计借款人数量',
                      '当期出借人数量', '当期借款人数量', '逾期金额', '逾期笔数', '项目逾期率', '金额逾期率']
    secs = []
    for p in reversed(ctx.periods):
        rows = []
        for it in items:
            lh, lt = ctx.label(it)
            rows.append('<tr><td>%s</td><td>%s</td></tr>' % (lh, ctx.val(it, p, lt)))
        secs.append('<div class="sec" id="m%s"><h3>%s运营数据</h3>\n<table class="t2">%s</table></div>'
                    % (pfmt(p, 'ym'), pfmt(p, 'cn'), ''.join(rows)))
    title = '运营数据（往期）'
    main = '<h2>%s</h2>%s\n%s%s' % (title, ctx.publine(), '\n'.join(secs), ctx.footnote_html())
    return title, main


def L09_quarter_columns(ctx, items=None, qstyle=0):
    """quarterly columns; values at the quarter's last month."""
    items = items or ctx.items_for(drop=('当期出借人数量', '当期借款人数量'))
    ps = ctx.periods  # quarter-end months

    def qh(p):
        y, m = map(int, p.split('-'))
        qn = (m - 1) // 3 + 1
        return ['%d年第%s季度' % (y, '一二三四'[qn - 1]), '%dQ%d' % (y, qn), '截至%s' % month_end(p).isoformat()][qstyle]
    rows = []
    for it in items:
        lh, lt = ctx.label(it, with_unit=True)
        rows.append('<tr><td>%s</td>%s</tr>' % (lh, ''.join('<td>%s</td>' % ctx.val(it, p, lt, suffix=False) for p in ps)))
    title = '季度运营数据'
    main = ('<h2>%s</h2>%s<p>注：表中借贷余额等时点数据为季度末数据，累计数据为截至季度末数据。</p>\n<table class="qt">'
            '<tr><th>项目</th>%s</tr>\n%s\n</table>%s' % (title, ctx.publine(), ''.join('<th>%s</th>' % qh(p) for p in ps),
                                                        '\n'.join(rows), ctx.footnote_html()))
    return title, main


def L10_ul_li(ctx, items=None, colon='：'):
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    lis = []
    for it in items:
        lh, lt = ctx.label(it)
        lis.append('<li><em>%s%s</em><i>%s</i></li>' % (lh, colon, ctx.val(it, p, lt)))
    title = '%s平台运营数据' % pfmt(p, 'cn')
    main = ('<div class="xxpl-box"><div class="hd"><h3>%s</h3><span class="more"><a href="/xxpl/yysj/list.html">往期数据&gt;&gt;</a></span></div>%s'
            '<ul class="data-list clearfix">\n%s\n</ul><div class="fee"><em>收费标准%s</em>%s</div>%s</div>'
            % (title, ctx.publine(), '\n'.join(lis), colon, ctx.fee(p), ctx.footnote_html()))
    return title, main


GROUPS = [
    ('借贷余额', [('金额', '借贷余额'), ('笔数', '借贷余额笔数')]),
    ('逾期', [('金额', '逾期金额'), ('笔数', '逾期笔数')]),
    ('逾期90天（不含）以上', [('金额', '逾期90天（不含）以上金额'), ('笔数', '逾期90天（不含）以上笔数')]),
    ('累计代偿', [('金额', '累计代偿金额'), ('笔数', '累计代偿笔数')]),
    ('关联关系借款', [('余额', '关联关系借款余额'), ('笔数', '关联关系借款笔数')]),
]


def L11_caption_multiheader(ctx, groups=GROUPS, caption='单位：元'):
    h1 = '<tr><th rowspan="2">统计月份</th>%s</tr>' % ''.join('<th colspan="%d">%s</th>' % (len(s), g) for g, s in groups)
    h2 = '<tr>%s</tr>' % ''.join('<th>%s</th>' % sub for g, s in groups for sub, _ in s)
    rows = []
    for p in reversed(ctx.periods):
        tds = ''.join('<td>%s</td>' % ctx.val(it, p, '%s / %s' % (g, sub), suffix=False)
                      for g, s in groups for sub, it in s)
        rows.append('<tr><td>%s</td>%s</tr>' % (pfmt(p, 'dash'), tds))
    title = '借贷及逾期情况'
    main = ('<h2>%s</h2>%s<table class="multi" border="1"><caption>%s</caption><thead>%s%s</thead>\n<tbody>%s</tbody></table>'
            % (title, ctx.publine(), caption, h1, h2, '\n'.join(rows)))
    return title, main


def L12_bignum(ctx, items=None):
    """value before the label (dashboard)."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    blocks = []
    for it in items:
        lh, lt = ctx.label(it)
        v = ctx.val(it, p, lt, suffix=False)
        blocks.append('<div class="item"><p class="num">%s<span class="unit">%s</span></p><p class="name">%s</p></div>'
                      % (v, ctx.unit_of(it), lh))
    title = '运营数据'
    main = ('<div class="dashboard"><div class="db-hd"><h2>%s</h2><p>数据统计%s</p></div>%s\n<div class="grid">\n%s\n</div>'
            '<div class="fee-box">收费标准：%s</div>%s</div>' % (title, pfmt(p, 'end'), ctx.publine(), '\n'.join(blocks), ctx.fee(p), ctx.footnote_html()))
    return title, main


def L13_legacy_pairs(ctx, items=None):
    """old nested tables, two label/value pairs per row, <font> tags; GBK pages."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    cells = []
    for it in items:
        lh, lt = ctx.label(it)
        cells.append('<td width="22%%" height="28" bgcolor="#F5F5F5"><font size="2">&nbsp;%s</font></td>'
                     '<td width="28%%" bgcolor="#FFFFFF"><font size="2">&nbsp;%s</font></td>' % (lh, ctx.val(it, p, lt)))
    if len(cells) % 2:
        cells.append('<td bgcolor="#F5F5F5">&nbsp;</td><td bgcolor="#FFFFFF">&nbsp;</td>')
    rows = ''.join('<tr>%s%s</tr>\n' % (cells[i], cells[i + 1]) for i in range(0, len(cells), 2))
    y, m = map(int, p.split('-'))
    title = '%d年%d月份运营数据披露' % (y, m)
    main = ('<table width="100%%" border="0" cellspacing="0" cellpadding="0"><tr><td align="center" height="40">'
            '<font size="4"><b>%s</b></font></td></tr><tr><td align="center">%s</td></tr>\n<tr><td>'
            '<table width="100%%" border="0" cellspacing="1" cellpadding="0" bgcolor="#DDDDDD">\n%s'
            '<tr><td bgcolor="#F5F5F5"><font size="2">&nbsp;收费标准</font></td><td colspan="3" bgcolor="#FFFFFF"><font size="2">&nbsp;%s</font></td></tr>'
            '</table></td></tr><tr><td>%s</td></tr></table>'
            % (title, ctx.publine('a') if ctx.pub else '&nbsp;', rows, ctx.fee(p), ctx.footnote_html()))
    return title, main


def L14_numbered(ctx, items=None):
    p = ctx.periods[-1]
    y, m = map(int, p.split('-'))
    items = items or ctx.items_for()
    brand = ctx.p['brands'][-1]
    secs = [('一、借贷基本情况', ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '利息余额', '关联关系借款余额', '关联关系借款笔数']),
            ('二、用户情况', ['累计出借人数量', '累计借款人数量', '当期出借人数量', '当期借款人数量', '前十大借款人待还金额占比', '最大单一借款人待还金额占比']),
            ('三、逾期及代偿情况', ['逾期金额', '逾期笔数', '逾期90天（不含）以上金额', '逾期90天（不含）以上笔数', '累计代偿金额', '累计代偿笔数', '项目逾期率', '金额逾期率']),
            ('四、其他', ['历史平均约定年化利率'])]
    out = []
    for h, its in secs:
        its = [i for i in its if i in items]
        if not its:
            continue
        out.append('<p><strong>%s</strong></p>' % h)
        for n, it in enumerate(its, 1):
            lh, lt = ctx.label(it)
            out.append('<p>%d、%s：%s；</p>' % (n, lh, ctx.val(it, p, lt)))
    title = '关于%d年%d月份运营情况的报告' % (y, m)
    main = ('<div class="news-detail"><h1>%s</h1>%s<div class="txt"><p>各位用户：</p><p>%d月，%s继续严格按照监管要求开展业务，'
            '全部资金由%s存管。现将%d月运营情况报告如下：</p>\n%s\n<p><strong>五、收费标准</strong></p><p>%s</p>'
            '<p>如有疑问，请致电客服%s。</p>%s</div></div>%s'
            % (title, ctx.publine(), m, brand, ctx.p['bank'], m, '\n'.join(out), ctx.fee(p), ctx.p['tel'], ctx.signoff(), ctx.footnote_html()))
    return title, main


def L15_month_vs_prev(ctx, items=None, unitline='单位：万元、笔、人'):
    cur, prv = ctx.periods[-1], ctx.periods[-2]
    items = items or ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '利息余额', '累计出借人数量', '累计借款人数量',
                      '当期出借人数量', '当期借款人数量', '逾期金额', '逾期笔数', '累计代偿金额', '项目逾期率', '金额逾期率']
    rows = []
    for it in items:
        lh, lt = ctx.label(it)
        suffix = KIND[it] == 'rate'
        a = ctx.val(it, cur, lt, suffix=suffix)
        b = ctx.val(it, prv, lt, suffix=suffix)
        r1, r0 = ctx.raw(it, cur), ctx.raw(it, prv)
        ch = ('%+.2f%%' % ((r1 - r0) / r0 * 100)) if r0 else '—'
        rows.append('<tr><td>%s</td><td>%s</td><td>%s</td><td class="chg">%s</td></tr>' % (lh, a, b, ch))
    title = '%s运营数据' % pfmt(cur, 'cn')
    main = ('<h2>%s</h2>%s<div class="unit">%s</div><table class="cmp"><tr><th>项目</th><th>本月（%s）</th><th>上月（%s）</th><th>环比</th></tr>\n%s\n</table>'
            '<p class="fee">收费标准：%s</p>%s' % (title, ctx.publine(), unitline, pfmt(cur, 'cn'), pfmt(prv, 'cn'), '\n'.join(rows),
                                              ctx.fee(cur), ctx.footnote_html()))
    return title, main


def L16_value_note(ctx, items=None):
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    y, m = map(int, p.split('-'))
    e = month_end(p)
    notes = {
        '累计借贷金额': '自%s上线至%d年%d月%d日24时' % (ctx.p['launch'].replace('-', '年') + '月', y, m, e.day),
        '借贷余额': '较上月末变动%+.1f%%' % ctx.rng.uniform(-5, 9),
        '当期出借人数量': '统计期间：%d年%d月1日-%d月%d日' % (y, m, m, e.day),
        '当期借款人数量': '统计期间：%d年%d月1日-%d月%d日' % (y, m, m, e.day),
        '逾期90天（不含）以上金额': '逾期超过90天（不含90天）',
        '项目逾期率': '逾期笔数/借贷余额笔数',
        '金额逾期率': '逾期金额/借贷余额',
        '关联关系借款余额': '无关联方借款' if not ctx.raw('关联关系借款余额', p) else '均已披露借款人信息',
    }
    rows = []
    for it in items:
        lh, lt = ctx.label(it)
        rows.append('<tr><td>%s</td><td>%s</td><td class="note">%s</td></tr>' % (lh, ctx.val(it, p, lt), notes.get(it, '')))
    title = '运营信息（%s）' % pfmt(p, 'dash')
    main = ('<h2>%s</h2>%s<table class="table"><thead><tr><th>项目</th><th>数据</th><th>说明</th></tr></thead><tbody>\n%s\n</tbody></table>'
            '<p>收费标准：%s</p>%s' % (title, ctx.publine(), '\n'.join(rows), ctx.fee(p), ctx.footnote_html()))
    return title, main


def L17_sectioned(ctx):
    p = ctx.periods[-1]
    secs = [('一、借贷信息', ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '利息余额', '历史平均约定年化利率']),
            ('二、借款人及出借人信息', ['累计出借人数量', '累计借款人数量', '当期出借人数量', '当期借款人数量',
                              '前十大借款人待还金额占比', '最大单一借款人待还金额占比']),
            ('三、关联关系借款', ['关联关系借款余额', '关联关系借款笔数']),
            ('四、逾期及代偿信息', ['逾期金额', '逾期笔数', '逾期90天（不含）以上金额', '逾期90天（不含）以上笔数',
                            '累计代偿金额', '累计代偿笔数', '项目逾期率', '金额逾期率'])]
    out = []
    for h, its in secs:
        rows = []
        for it in its:
            lh, lt = ctx.label(it, with_unit=True)
            rows.append('<tr><td>%s</td><td>%s</td></tr>' % (lh, ctx.val(it, p, lt, suffix=False)))
        out.append('<h4>%s</h4><table class="sec"><thead><tr><th>指标</th><th>%s</th></tr></thead><tbody>%s</tbody></table>'
                   % (h, pfmt(p, 'end'), ''.join(rows)))
    title = '运营信息披露'
    main = '<h2>%s</h2>%s\n%s\n<h4>五、收费标准</h4><p>%s</p>%s' % (title, ctx.publine(), '\n'.join(out), ctx.fee(p), ctx.footnote_html())
    return title, main


def L18_horizontal(ctx, items=None, per_row=6):
    """labels in a header row, the values in the row below (items in columns, one month)."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    blocks = []
    for i in range(0, len(items), per_row):
        chunk = items[i:i + per_row]
        labs = [ctx.label(it, with_unit=True) for it in chunk]
        vals = [ctx.val(it, p, labs[j][1], suffix=False) for j, it in enumerate(chunk)]
        blocks.append('<table class="h"><tr>%s</tr><tr>%s</tr></table>' % (
            ''.join('<th>%s</th>' % h for h, _ in labs), ''.join('<td>%s</td>' % v for v in vals)))
    title = '%s运营数据' % pfmt(p, 'cn0')
    main = '<h2>%s</h2>%s\n%s\n<p>收费标准：%s</p>%s' % (title, ctx.publine(), '\n'.join(blocks), ctx.fee(p), ctx.footnote_html())
    return title, main


def L19_tabs(ctx, items=None):
    items = items or ['累计借贷金额', '累计借贷笔数', '借贷余额', '借贷余额笔数', '累计出借人数量', '累计借款人数量',
                      '当期出借人数量', '当期借款人数量', '前十大借款人待还金额占比', '最大单一借款人待还金额占比',
                      '逾期金额', '逾期笔数', '项目逾期率', '金额逾期率']
    tabs = []
    panes = []
    for n, p in enumerate(reversed(ctx.periods)):
        tabs.append('<li%s><a href="#tab-%s" data-toggle="tab">%s</a></li>' % (' class="active"' if n == 0 else '', pfmt(p, 'ym'), pfmt(p, 'cn')))
        lis = []
        for it in items:
            lh, lt = ctx.label(it)
            lis.append('<div class="row"><div class="col-xs-6 k">%s</div><div class="col-xs-6 v">%s</div></div>' % (lh, ctx.val(it, p, lt)))
        panes.append('<div class="tab-pane%s" id="tab-%s">\n%s\n</div>' % (' active' if n == 0 else '', pfmt(p, 'ym'), '\n'.join(lis)))
    title = '运营数据'
    main = ('<h2>%s</h2>%s<ul class="nav nav-tabs">%s</ul>\n<div class="tab-content">\n%s\n</div>%s'
            % (title, ctx.publine(), ''.join(tabs), '\n'.join(panes), ctx.footnote_html()))
    return title, main


def L20_pre(ctx, items=None):
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    lines = []
    for it in items:
        lh, lt = ctx.label(it)
        v = ctx.val(it, p, lt, sep=' ')
        pad = max(2, 30 - 2 * len(lt))
        lines.append('%s%s%s' % (lt, ' ' * pad, v))
    y, m = map(int, p.split('-'))
    title = '%d年%d月运营数据公告' % (y, m)
    pubtxt = ('发布日期：%s\n' % ctx.pub.isoformat()) if ctx.pub else ''
    main = ('<h2>%s</h2>\n<pre class="report">\n%s统计截止：%s\n\n%s\n\n收费标准：%s\n</pre>'
            % (title, pubtxt, pfmt(p, 'endd'), '\n'.join(lines), ctx.fee(p)))
    return title, main


def L21_flexgrid(ctx, items=None):
    """div rows with a header row giving 单位 per row (div 'table')."""
    p = ctx.periods[-1]
    items = items or ctx.items_for()
    rows = ['<div class="tr th"><div class="td">指标名称</div><div class="td">%s</div><div class="td">单位</div></div>' % pfmt(p, 'cn')]
    for it in items:
        lh, lt = ctx.label(it)
        rows.append('<div class="tr"><div class="td">%s</div><div class="td">%s</div><div class="td">%s</div></div>'
                    % (lh, ctx.val(it, p, lt, suffix=False), ctx.unit_of(it) or '—'))
    title = '平台运营数据'
    main = ('<section class="op-data"><h2>%s</h2>%s<div class="div-table">\n%s\n</div><p>收费标准：%s</p>%s</section>'
            % (title, ctx.publine(), '\n'.join(rows), ctx.fee(p), ctx.footnote_html()))
    return title, main


def L22_period_and_cumulative(ctx):
    """rows 指标 with two value columns 本月 | 累计: the 本月 column of 借贷金额/借贷笔数 is a flow figure, not a guideline item."""
    p = ctx.periods[-1]
    rows = []
    u = ctx.amt_unit
    # 借贷金额: 本月 (flow, distractor) | 累计 (item)
    r = ctx.ser[p]['_当月借贷金额']
    flow = commafy(q(D(repr(r)) / MULT[u], 2), 2, ctx.comma)
    ctx.distract('借贷金额 / 本月', flow)
    rows.append('<tr><td>借贷金额（%s）</td><td>%s</td><td>%s</td></tr>' % (
        u, flow, ctx.val('累计借贷金额', p, '借贷金额（%s） / 累计' % u, suffix=False)))
    fn = '{:,}'.format(ctx.ser[p]['_当月借贷笔数'])
    ctx.distract('借贷笔数 / 本月', fn)
    rows.append('<tr><td>借贷笔数（笔）</td><td>%s</td><td>%s</td></tr>' % (fn, ctx.val('累计借贷笔数', p, '借贷笔数（笔） / 累计', suffix=False)))
    rows.append('<tr><td>出借人数量（人）</td><td>%s</td><td>%s</td></tr>' % (
        ctx.val('当期出借人数量', p, '出借人数量（人） / 本月', suffix=False),
        ctx.val('累计出借人数量', p, '出借人数量（人） / 累计', suffix=False)))
    rows.append('<tr><td>借款人数量（人）</td><td>%s</td><td>%s</td></tr>' % (
        ctx.val('当期借款人数量', p, '借款人数量（人） / 本月', suffix=False),
        ctx.val('累计借款人数量', p, '借款人数量（人） / 累计', suffix=False)))
    t1 = ('<table class="t-pc"><thead><tr><th>指标</th><th>本月</th><th>累计</th></tr></thead><tbody>%s</tbody></table>' % ''.join(rows))
    rest = ['借贷余额', '借贷余额笔数', '利息余额', '前十大借款人待还金额占比', '最大单一借款人待还金额占比', '关联关系借款余额',
            '关联关系借款笔数', '逾期金额', '逾期笔数', R90A, R90N, '累计代偿金额', '累计代偿笔数', '项目逾期率', '金额逾期率']
    rows2 = []
    for it in rest:
        lh, lt = ctx.label(it, with_unit=True)
        rows2.append('<tr><td>%s</td><td>%s</td></tr>' % (lh, ctx.val(it, p, lt, suffix=False)))
    t2 = '<table class="t-stock"><thead><tr><th>指标</th><th>%s</th></tr></thead><tbody>%s</tbody></table>' % (pfmt(p, 'mo'), ''.join(rows2))
    title = '%s信息披露' % pfmt(p, 'cn')
    main = ('<h2>%s</h2>%s<h4>交易概况</h4>%s<h4>借贷余额及逾期情况</h4>%s<p>收费标准：%s</p>%s'
            % (title, ctx.publine(), t1, t2, ctx.fee(p), ctx.footnote_html()))
    return title, main


# ---------------------------------------------------------------- writing
def platform_ref(pkey):
    if pkey is None:
        return None
    p = P[pkey]
    return dict(name=p['name'], uscc=p['uscc'], brands=list(p['brands']))


def write(sub, stem, html, charset, expected):
    d = os.path.join(HERE, sub)
    os.makedirs(d, exist_ok=True)
    data = html.encode(charset)  # strict: a page that cannot be encoded is a generator bug
    with open(os.path.join(d, stem + '.html'), 'wb') as f:
        f.write(data)
    expected = dict(expected)
    expected['encoding'] = charset
    with open(os.path.join(d, stem + '.expected.json'), 'w', encoding='utf-8') as f:
        json.dump(expected, f, ensure_ascii=False, indent=1)
        f.write('\n')
    return os.path.join(sub, stem + '.html')


def months(a, b):
    return list(month_iter(a, b))


NARR_PICK = {'借贷余额笔数': '借贷余额笔数', '累计出借人数量': '累计出借人数量', '累计借款人数量': '累计借款人数量',
             '当期出借人数量': '当期出借人数量', '当期借款人数量': '当期借款人数量', '累计代偿金额': '累计代偿金额',
             '累计代偿笔数': '累计代偿笔数', '关联关系借款余额': '关联关系借款余额', '关联关系借款笔数': '关联关系借款笔数'}

# stem, layout, platform, periods, ctx kwargs, layout kwargs, chrome style, charset, url_path
DISCLOSURES = [
    ('fenggu_2018q2', L01_items_rows_months_cols, 'fenggu', months('2018-04', '2018-06'),
     dict(amt_unit='万元', marks={'项目逾期率': '*', '金额逾期率': '*'}), {}, 'modern', 'utf-8', '/xxpl/yysj/2018q2.html'),
    ('yanchi_2018q3', L01_items_rows_months_cols, 'yanchi', months('2018-07', '2018-09'),
     dict(amt_unit='元', marks={R90A: '①', '累计代偿金额': '②'}, sup=True, pub=False), dict(hstyle='cn0'), 'bs', 'utf-8',
     '/disclosure/operation/2018Q3'),
    ('huilian_2019q1', L01_items_rows_months_cols, 'huilian', months('2019-01', '2019-03'),
     dict(amt_unit='万元', fw=False), dict(hstyle='dot'), 'cms', 'utf-8', '/xxpl/yyxx/index.html?q=2019-1'),
    ('lufu_archive', L02_months_rows_items_cols, 'lufu', months('2017-07', '2018-06'),
     dict(amt_unit='万元', overrides={('借贷余额', '2018-02'): dict(mult=10000, suspect=True)}), {}, 'modern', 'utf-8',
     '/xxpl/lssj.html'),
    ('jinqiao_archive', L02_months_rows_items_cols, 'jinqiao', months('2018-01', '2018-12'),
     dict(amt_unit='元', rate='frac', pub=False), dict(pstyle='dash'), 'bs', 'utf-8', '/disclosure/history?year=2018'),
    ('suirongyi_201807', L03_kv_unit_line, 'suirongyi', ['2018-07'],
     dict(amt_unit='元', marks={'逾期金额': '※'}), dict(unitline='单位：元'), 'modern', 'gb18030', '/xxpl/yyxx/201807.html'),
    ('chengzi_201810', L03_kv_unit_line, 'chengzi', ['2018-10'],
     dict(amt_unit='万元'), dict(unitline='单位：万元/笔/人'), 'cms', 'utf-8', '/info/operate/2018-10.html'),
    ('hongxin_201806', L03_kv_unit_line, 'hongxin', ['2018-06'],
     dict(amt_unit='万元', pub=False), dict(unitline='（金额单位：万元；笔数单位：笔；人数单位：人）'), 'bs', 'utf-8',
     '/xxpl/operation.html?month=201806'),
    ('fenggu_201811', L04_unit_column, 'fenggu', ['2018-11'],
     dict(amt_unit='亿元', dec=4, marks={'借贷余额': '*'}),
     dict(unit_for={'利息余额': '万元', '关联关系借款余额': '元', '逾期金额': '万元', R90A: '万元', '累计代偿金额': '万元'}, caliber=True),
     'modern', 'utf-8', '/xxpl/yysj/201811.html'),
    ('rongxinbao_201808', L04_unit_column, 'rongxinbao', ['2018-08'],
     dict(amt_unit='元', overrides={('前十大借款人待还金额占比', '2018-08'): dict(raw=1.5, suspect=True)}), {}, 'cms', 'utf-8',
     '/xxpl/yysj/2018/08/'),
    ('micang_201809', L04_unit_column, 'micang', ['2018-09'],
     dict(amt_unit='万元', marks={'项目逾期率': '△', '金额逾期率': '△'}), {}, 'bs', 'utf-8', '/disclosure/201809.html'),
    ('huixi_201805', L05_dl, 'huixi', ['2018-05'], dict(amt_unit='auto'), {}, 'modern', 'utf-8', '/xxpl/yysj/20180531.html'),
    ('jinjie_201803', L05_dl, 'jinjie', ['2018-03'], dict(amt_unit='万元', rate='％', pub=False), {}, 'bs', 'utf-8',
     '/info/yunying/2018-03'),
    ('maitian_201804', L06_cards, 'maitian', ['2018-04'],
     dict(amt_unit='万元', marks={'累计代偿金额': '†'}, overrides={('逾期笔数', '2018-04'): dict(text='36.5', suspect=True)}), {},
     'modern', 'utf-8', '/xxpl/report/201804.html'),
    ('chuhuitong_201712', L06_cards, 'chuhuitong', ['2017-12'], dict(amt_unit='元'), {}, 'cms', 'utf-8',
     '/xxpl/yyxx/201712.html'),
    ('huilian_201808', L06_cards, 'huilian', ['2018-08'], dict(amt_unit='万元', marks={'历史平均约定年化利率': '¹'},
                                                                  overrides={('金额逾期率', '2018-08'): dict(mult=0.01, dec=4, suspect=True)}), {}, 'bs',
     'utf-8', '/disclosure/operating/201808'),
    ('fenggu_201806_narr', L07_narrative, 'fenggu', ['2018-06'], dict(amt_unit='auto', label_pick=NARR_PICK), dict(variant=0),
     'modern', 'utf-8', '/news/notice/20180705_1.html'),
    ('huixi_201809_narr', L07_narrative, 'huixi', ['2018-09'], dict(amt_unit='auto2', label_pick=NARR_PICK, pub=False),
     dict(variant=1), 'modern', 'gb18030', '/gonggao/2018/1009.html'),
    ('hongxin_201803_narr', L07_narrative, 'hongxin', ['2018-03'],
     dict(amt_unit='auto', label_pick=NARR_PICK,
          overrides={('前十大借款人待还金额占比', '2018-03'): dict(raw=0.15, text='百分之十五')}), dict(variant=2, intro=False),
     'bs', 'utf-8', '/news/detail/3381.html'),
    ('jinqiao_201903_narr', L07_narrative, 'jinqiao', ['2019-03'],
     dict(amt_unit='元', label_pick=NARR_PICK, marks={'项目逾期率': '*'}), dict(variant=0), 'cms', 'utf-8',
     '/xxpl/notice/201904031.html'),
    ('rongxinbao_201812_narr', L07_narrative, 'rongxinbao', ['2018-12'], dict(amt_unit='auto', label_pick=NARR_PICK),
     dict(variant=1), 'modern', 'utf-8', '/article/2019-01-04/yybg.html'),
    ('chengzi_archive', L08_archive_sections, 'chengzi', months('2018-01', '2018-06'), dict(amt_unit='万元'), {}, 'bs', 'utf-8',
     '/info/operate/2018h1.html'),
    ('qiantangzhan_archive', L08_archive_sections, 'qiantangzhan', months('2018-02', '2018-06'), dict(amt_unit='元', pub=False),
     {}, 'legacy', 'utf-8', '/xxpl/yysj_list.asp'),
    ('jinjie_quarters', L09_quarter_columns, 'jinjie', ['2018-03', '2018-06', '2018-09'],
     dict(amt_unit='万元', marks={R90A: '*', R90N: '*'}), dict(qstyle=0), 'modern', 'utf-8', '/info/jidu/2018.html'),
    ('yanchi_quarters', L09_quarter_columns, 'yanchi', ['2017-12', '2018-03', '2018-06', '2018-09'],
     dict(amt_unit='亿元', dec=4, pub=False), dict(qstyle=1), 'bs', 'utf-8', '/disclosure/quarterly'),
    ('lufu_201811', L10_ul_li, 'lufu', ['2018-11'], dict(amt_unit='元'), {}, 'cms', 'utf-8', '/xxpl/yyxx/201811.html'),
    ('suirongyi_201901', L10_ul_li, 'suirongyi', ['2019-01'],
     dict(amt_unit='auto', marks={'关联关系借款余额': '*', '关联关系借款笔数': '*'}), dict(colon=':'), 'modern', 'utf-8',
     '/xxpl/yyxx/201901.html'),
    ('micang_multi', L11_caption_multiheader, 'micang', months('2018-07', '2018-12'), dict(amt_unit='元'),
     dict(caption='单位：元'), 'modern', 'utf-8', '/xxpl/yqqk.html'),
    ('huilian_multi', L11_caption_multiheader, 'huilian', months('2018-01', '2018-06'), dict(amt_unit='万元'),
     dict(caption='单位：万元、笔'), 'bs', 'utf-8', '/disclosure/overdue?y=2018&h=1'),
    ('jinqiao_201809_dash', L12_bignum, 'jinqiao', ['2018-09'], dict(amt_unit='万元'), {}, 'bs', 'utf-8', '/data/'),
    ('maitian_201711_dash', L12_bignum, 'maitian', ['2017-11'], dict(amt_unit='元', marks={'累计借贷金额': '*'}, pub=False), {},
     'modern', 'utf-8', '/xxpl/data.html'),
    ('chuhuitong_201806', L13_legacy_pairs, 'chuhuitong', ['2018-06'], dict(amt_unit='元', marks={'项目逾期率': '*'}), {},
     'legacy', 'gbk', '/xxpl/yysj.asp?id=201806'),
    ('jinjie_201808', L13_legacy_pairs, 'jinjie', ['2018-08'],
     dict(amt_unit='万元', label_pick={R90A: '逾期９０天以上金额', R90N: '逾期９０天以上笔数'}), {}, 'legacy', 'gbk',
     '/news/show.asp?id=1287'),
    ('suirongyi_201804', L13_legacy_pairs, 'suirongyi', ['2018-04'], dict(amt_unit='auto', pub=False, fw=False), {}, 'legacy',
     'gbk', '/xxpl/201804.htm'),
    ('yanchi_201812', L14_numbered, 'yanchi', ['2018-12'], dict(amt_unit='auto', marks={'累计借贷金额': '※'}), {}, 'modern',
     'utf-8', '/news/2019/0107/1024.html'),
    ('qiantangzhan_201805', L14_numbered, 'qiantangzhan', ['2018-05'], dict(amt_unit='元', comma=False), {}, 'legacy', 'utf-8',
     '/gonggao/show_231.html'),
    ('lufu_201903', L15_month_vs_prev, 'lufu', ['2019-02', '2019-03'],
     dict(amt_unit='万元', overrides={('借贷余额', '2019-03'): dict(mult=10000, suspect=True)}), {}, 'cms', 'utf-8',
     '/xxpl/yyxx/201903.html'),
    ('fenggu_201901', L15_month_vs_prev, 'fenggu', ['2018-12', '2019-01'], dict(amt_unit='万元', pub=False),
     dict(unitline='金额单位：万元'), 'modern', 'utf-8', '/xxpl/yysj/201901.html'),
    ('chengzi_201904', L16_value_note, 'chengzi', ['2019-04'],
     dict(amt_unit='元', marks={'前十大借款人待还金额占比': '*', '最大单一借款人待还金额占比': '*'}), {}, 'cms', 'utf-8',
     '/info/operate/2019-04.html'),
    ('huixi_201712', L16_value_note, 'huixi', ['2017-12'], dict(amt_unit='auto', rate='frac'), {}, 'bs', 'utf-8',
     '/xxpl/yysj/20171231.html'),
    ('rongxinbao_201905', L17_sectioned, 'rongxinbao', ['2019-05'],
     dict(amt_unit='万元', marks={'累计代偿金额': '②', '累计代偿笔数': '②'}, sup=True), {}, 'modern', 'utf-8',
     '/xxpl/yysj/2019/05/'),
    ('hongxin_201809', L17_sectioned, 'hongxin', ['2018-09'], dict(amt_unit='元', pub=False), {}, 'bs', 'utf-8',
     '/xxpl/operation.html?month=201809'),
    ('maitian_201806', L18_horizontal, 'maitian', ['2018-06'], dict(amt_unit='万元', marks={'利息余额': '*'}), {}, 'modern',
     'utf-8', '/xxpl/report/201806.html'),
    ('micang_201812', L18_horizontal, 'micang', ['2018-12'], dict(amt_unit='元', pub=False, comma=False), dict(per_row=4), 'cms', 'utf-8',
     '/disclosure/201812.html'),
    ('jinqiao_tabs', L19_tabs, 'jinqiao', months('2019-01', '2019-05'), dict(amt_unit='auto'), {}, 'bs', 'utf-8',
     '/disclosure/monthly'),
    ('huixi_tabs', L19_tabs, 'huixi', months('2018-10', '2018-12'), dict(amt_unit='元'), {}, 'modern', 'utf-8',
     '/xxpl/yysj/index.html'),
    ('chuhuitong_201802_pre', L20_pre, 'chuhuitong', ['2018-02'], dict(amt_unit='元'), {}, 'legacy', 'gb18030',
     '/gg/201803/t20180306_88.html'),
    ('yanchi_201903_pre', L20_pre, 'yanchi', ['2019-03'], dict(amt_unit='万元', pub=False), {}, 'modern', 'utf-8',
     '/disclosure/txt/201903.html'),
    ('lufu_201808_pc', L22_period_and_cumulative, 'lufu', ['2018-08'], dict(amt_unit='元', marks={'项目逾期率': '*', '金额逾期率': '*'}),
     {}, 'modern', 'utf-8', '/xxpl/yyxx/201808.html'),
    ('yanchi_201806_pc', L22_period_and_cumulative, 'yanchi', ['2018-06'], dict(amt_unit='万元', pub=False), {}, 'bs', 'utf-8',
     '/disclosure/operation/201806'),
    ('huilian_201811_flex', L21_flexgrid, 'huilian', ['2018-11'], dict(amt_unit='万元', marks={'逾期金额': '*', '逾期笔数': '*'}),
     {}, 'bs', 'utf-8', '/disclosure/operating/201811'),
]

LAYOUT_DESC = {
    'L01_items_rows_months_cols': 'items in rows, the three months of a quarter in columns, unit in the row label（万元）/（笔）/（人）/（%）',
    'L02_months_rows_items_cols': 'archive: one row per month, items in columns with unit in the column header',
    'L03_kv_unit_line': 'two-column item/value table with a line 单位：元 / 单位：万元/笔/人 above it (counts and people bare)',
    'L04_unit_column': 'transposed table 指标 | 单位 | 数值 (separate unit column, units may differ per row; optional 口径 column)',
    'L05_dl': 'definition list <dl><dt>label<dd>value+unit',
    'L06_cards': 'key-value cards <div class=card><span>label</span><b>value<em>unit</em></b>',
    'L07_narrative': 'narrative monthly report in sentences (截至…末，平台累计交易总额为1.17亿元…), numbers with 亿/万 suffixes',
    'L08_archive_sections': 'archive page with one <h3> section and small table per month',
    'L09_quarter_columns': 'quarter columns (2018年第一季度 / 2018Q1 / 截至2018-03-31), values at quarter end',
    'L10_ul_li': '<ul><li><em>label：</em><i>value</i></li> list (common CMS widget)',
    'L11_caption_multiheader': 'archive table with <caption>单位：元</caption> and two-level grouped headers (逾期 → 金额 | 笔数)',
    'L12_bignum': 'dashboard: big number with unit span above the label (value before label)',
    'L13_legacy_pairs': 'legacy nested tables with <font>, two label/value pairs per row, GBK encoded',
    'L14_numbered': 'numbered report text 1、累计借贷金额：…；grouped under 一、二、三',
    'L15_month_vs_prev': 'this month | last month | 环比 comparison table under a 单位 line',
    'L16_value_note': 'item | value | 说明 table, the notes contain other numbers and dates',
    'L17_sectioned': 'several small tables under 一、二、三 headings, header 指标 | 截至YYYY年M月D日',
    'L18_horizontal': 'labels in one header row and values in the row below, wrapped into several tables',
    'L19_tabs': 'archive in tab panes (bootstrap nav-tabs), one pane per month, div rows',
    'L20_pre': 'plain-text report inside <pre>, label and value separated by spaces',
    'L21_flexgrid': 'div-based table (div.tr/div.td) with a per-row 单位 column',
    'L22_period_and_cumulative': 'table 指标 | 本月 | 累计 (本月 借贷金额/笔数 are flow figures, not items) followed by a stock table; two-level labels `row / column`',
}


def gen_disclosures():
    made = []
    for stem, lay, pkey, periods, ckw, lkw, style, cs, url in DISCLOSURES:
        ctx = Ctx(pkey, periods, stem, **ckw)
        title, main = lay(ctx, **lkw)
        html = page(ctx, title, main, style=style, charset=cs)
        exp = dict(page_type='disclosure', layout=lay.__name__, url_path=url,
                   platform=platform_ref(pkey), published=ctx.pub.isoformat() if ctx.pub else None,
                   values=ctx.values, texts=ctx.texts, distractors=ctx.distractors)
        made.append((write('disclosure', stem, html, cs, exp), lay.__name__, cs, exp))
    return made


# ---------------------------------------------------------------- institution data (about + registry pages)
# holders: (name, subscribed 万元, start, end, type); officers: (name, role, start, end)
GOV = {
    'fenggu': dict(
        legal=[('王建华', None, '2017-03-20'), ('周海燕', '2017-03-20', None)],
        holders=[('上海沣谷投资控股有限公司', 3500, None, None, '企业法人'),
                 ('王建华', 1000, None, '2017-03-20', '自然人股东'),
                 ('宁波梅山保税港区沣泽投资管理合伙企业（有限合伙）', 1000, '2017-03-20', None, '合伙企业'),
                 ('周海燕', 500, None, None, '自然人股东')],
        controllers=['王建华'],
        reg_officers=[('王建华', '执行董事兼总经理', None, '2017-03-20'), ('周海燕', '监事', None, '2017-03-20'),
                      ('周海燕', '执行董事兼总经理', '2017-03-20', None), ('李卫东', '监事', '2017-03-20', None)],
        more_officers=[('陈晓梅', '副总经理'), ('张志强', '风控总监'), ('刘国栋', '财务总监')],
        extra_changes=[('2016-05-10', '注册资本(金)变更', '1000.000000万人民币', '5000.000000万人民币'),
                       ('2017-11-02', '经营范围变更', '网络科技、计算机软硬件领域内的技术开发、技术咨询；投资咨询；企业管理咨询。',
                        '网络借贷信息中介服务；网络科技、计算机软硬件领域内的技术开发、技术咨询、技术服务。')],
        branches=['上海沣谷网络科技有限公司杭州分公司', '上海沣谷网络科技有限公司苏州分公司'],
        penalties=[], enforcement=[]),
    'huixi': dict(
        legal=[('吴俊杰', None, None)],
        holders=[('深圳市汇溪控股集团有限公司', 6000, None, None, '企业法人'),
                 ('深圳前海溪源投资合伙企业（有限合伙）', 2500, None, None, '合伙企业'),
                 ('吴俊杰', 1500, None, None, '自然人股东')],
        controllers=['吴俊杰'],
        reg_officers=[('吴俊杰', '董事长', None, None), ('赵丽娟', '董事兼总经理', None, None), ('孙明辉', '董事', None, None),
                      ('郑文博', '监事', None, None)],
        more_officers=[('黄志伟', '首席风控官'), ('何雪莲', '财务负责人')],
        branches=[]),
    'yanchi': dict(
        legal=[('林振宇', None, None)],
        holders=[('北京砚池科技集团有限公司', 8000, None, None, '企业法人'), ('林振宇', 1200, None, None, '自然人股东'),
                 ('马红英', 800, None, '2018-05-16', '自然人股东'), ('徐永刚', 800, '2018-05-16', None, '自然人股东')],
        controllers=['林振宇'],
        reg_officers=[('林振宇', '董事长兼总经理', None, None), ('朱建平', '董事', None, None), ('胡海涛', '董事', None, None),
                      ('高峰', '监事会主席', None, None)],
        more_officers=[('罗小军', '副总经理'), ('谢丽萍', '财务总监')],
        branches=['北京砚池网络科技有限公司天津分公司']),
    'rongxinbao': dict(
        legal=[('韩立新', None, None)],
        holders=[('成都蓉信投资管理有限公司', 3500, None, None, '企业法人'),
                 ('四川天府蓉创股权投资基金合伙企业（有限合伙）', 1500, None, None, '合伙企业')],
        controllers=['韩立新', '唐卫国'],
        reg_officers=[('韩立新', '执行董事', None, None), ('唐卫国', '总经理', None, None), ('冯志远', '监事', None, None)],
        more_officers=[('邓宏伟', '技术总监')],
        branches=[]),
    'chengzi': dict(
        legal=[('曹颖', None, '2018-06-11'), ('许文涛', '2018-06-11', None)],
        holders=[('苏州橙果控股有限公司', 4000, None, None, '企业法人'), ('曹颖', 1000, None, '2018-06-11', '自然人股东'),
                 ('许文涛', 1000, '2018-06-11', None, '自然人股东')],
        controllers=['沈佳'],
        controller_hist=[('曹颖', None, '2018-06-11'), ('沈佳', '2018-06-11', None)],
        reg_officers=[('曹颖', '执行董事兼总经理', None, '2018-06-11'), ('许文涛', '执行董事兼总经理', '2018-06-11', None),
                      ('彭国庆', '监事', None, None)],
        more_officers=[('蒋丽华', '运营总监'), ('杜明', '风控总监')],
        extra_changes=[('2017-04-18', '住所变更', '苏州高新区竹园路209号3号楼1203室', '苏州高新区狮山路35号金河国际大厦16层')],
        branches=[], penalties=[], enforcement=[]),
    'huilian': dict(
        legal=[('叶青', None, None)],
        holders=[('合肥徽链控股有限公司', 2550, None, None, '企业法人'), ('安徽皖江产业投资有限公司', 1450, None, None, '企业法人'),
                 ('叶青', 1000, None, None, '自然人股东')],
        controllers=['叶青'],
        reg_officers=[('叶青', '董事长', None, None), ('程刚', '董事兼总经理', None, None), ('袁立', '董事', None, None),
                      ('潘文静', '监事', None, None)],
        more_officers=[('田野', '首席技术官')],
        branches=['合肥徽链信息技术有限公司芜湖分公司']),
    'qiantangzhan': dict(
        legal=[('董建军', None, None)],
        holders=[('董建军', 2100, None, None, '自然人股东'), ('魏东升', 900, None, '2017-01-09', '自然人股东'),
                 ('萧锦', 900, '2017-01-09', None, '自然人股东')],
        controllers=['董建军'],
        reg_officers=[('董建军', '执行董事兼总经理', None, None), ('魏东升', '监事', None, '2017-01-09'),
                      ('萧锦', '监事', '2017-01-09', None)],
        extra_changes=[('2016-08-22', '章程备案', '', '')],
        abnormal=[('2018-09-26', '通过登记的住所或者经营场所无法联系的', '杭州市西湖区市场监督管理局')],
        penalties=[], enforcement=[]),
    'suirongyi': dict(
        legal=[('刘海波', None, '2016-12-02'), ('梁嘉欣', '2016-12-02', None)],
        holders=[('广州穗融投资有限公司', 3000, None, None, '企业法人'), ('梁嘉欣', 1500, None, None, '自然人股东'),
                 ('刘海波', 500, None, None, '自然人股东')],
        controllers=['梁嘉欣'],
        reg_officers=[('刘海波', '执行董事兼经理', None, '2016-12-02'), ('梁嘉欣', '执行董事兼经理', '2016-12-02', None),
                      ('陈子豪', '监事', None, None)],
        extra_changes=[('2017-09-05', '经营范围变更', '信息技术咨询服务；投资咨询服务；企业管理咨询服务',
                        '网络借贷信息中介服务；信息技术咨询服务；软件开发'),
                       ('2017-09-05', '住所变更', '广州市天河区黄埔大道西100号富力盈泰广场A栋1502', '广州市天河区珠江西路15号2104房')],
        penalties=[], enforcement=[]),
    'chuhuitong': dict(
        legal=[('汪志勇', None, None)],
        holders=[('汪志勇', 3500, None, None, '自然人股东'), ('熊建国', 1500, None, '2017-06-20', '自然人股东'),
                 ('武汉楚汇投资管理中心（有限合伙）', 1500, '2017-06-20', None, '合伙企业')],
        controllers=['汪志勇'],
        reg_officers=[('汪志勇', '执行董事兼总经理', None, None), ('熊建国', '监事', None, '2017-06-20'),
                      ('方丽', '监事', '2017-06-20', None)],
        penalties=[],
        enforcement=[dict(case_no='（2018）鄂0106执2231号', court='武汉市武昌区人民法院', filed='2018-10-15', amount=460000,
                          kind='被执行人'),
                     dict(case_no='（2019）鄂0106执387号', court='武汉市武昌区人民法院', filed='2019-03-11', amount=1285000,
                          kind='失信被执行人')],
        abnormal=[('2019-05-20', '通过登记的住所或者经营场所无法联系的', '武汉市武昌区市场监督管理局')]),
    'maitian': dict(
        legal=[('邱卫红', None, '2018-08-30'), ('石磊', '2018-08-30', None)],
        holders=[('重庆渝麦控股有限公司', 1400, None, None, '企业法人'), ('邱卫红', 600, None, '2018-08-30', '自然人股东'),
                 ('石磊', 600, '2018-08-30', None, '自然人股东')],
        controllers=['邱卫红'],
        reg_officers=[('邱卫红', '执行董事', None, '2018-08-30'), ('石磊', '执行董事', '2018-08-30', None),
                      ('钟小燕', '监事', None, None), ('邱卫红', '经理', None, '2018-08-30'), ('石磊', '经理', '2018-08-30', None)],
        penalties=[dict(doc_no='渝北市监处字〔2018〕312号', authority='重庆市渝北区市场监督管理局', date='2018-05-17',
                        amount=30000, reason='发布含有保本保息内容的虚假广告')],
        enforcement=[]),
}


def share(pkey, amt):
    return float(D(amt) / D(P[pkey]['cap']))


def pct(pkey, amt):
    return '%s%%' % commafy(D(amt) * 100 / D(P[pkey]['cap']), 2, False)


# ---------------------------------------------------------------- about pages
ABOUT = [
    # stem, pkey, style, charset, shows history, url
    ('fenggu_about', 'fenggu', 'modern', 'utf-8', True, '/xxpl/zzxx.html'),
    ('huixi_about', 'huixi', 'bs', 'utf-8', False, '/about/company.html'),
    ('yanchi_about', 'yanchi', 'modern', 'gb18030', True, '/about/gsjs.html'),
    ('rongxinbao_about', 'rongxinbao', 'cms', 'utf-8', False, '/xxpl/baxx.html'),
    ('chengzi_about', 'chengzi', 'cms', 'utf-8', True, '/info/org.html'),
    ('huilian_about', 'huilian', 'bs', 'utf-8', False, '/disclosure/institution'),
]


def cn_date(iso):
    y, m, d = map(int, iso.split('-'))
    return '%d年%d月%d日' % (y, m, d)


def gen_about():
    made = []
    for stem, pkey, style, cs, hist, url in ABOUT:
        g = GOV[pkey]
        p = P[pkey]
        ctx = Ctx(pkey, ['2018-12'], stem, pub=False)
        rng = ctx.rng
        cur_holders = [h for h in g['holders'] if h[3] is None]
        cur_legal = [l for l in g['legal'] if l[2] is None][0][0]
        cur_off = [(n, r) for n, r, s, e in g['reg_officers'] if e is None] + list(g.get('more_officers', []))
        alias = '、'.join('“%s”' % b for b in p['brands'])
        basic = [('公司全称', p['name']), ('平台品牌', alias.split('、')[0].strip('“”')), ('平台简称', p['brands'][-1]),
                 ('统一社会信用代码', p['uscc']), ('注册资本', '%s万元人民币' % '{:,}'.format(p['cap'])),
                 ('实缴资本', '%s万元人民币' % '{:,}'.format(p['paid'])), ('法定代表人', cur_legal),
                 ('成立时间', cn_date(p['founded'])), ('注册地址', p['reg_addr']), ('经营地址', p['biz_addr']),
                 ('平台网址', 'https://' + p['domain']), ('ICP备案号', p['icp']), ('资金存管银行', p['bank']),
                 ('实际控制人', '、'.join(g['controllers'])),
                 ('客服电话', p['tel']), ('经营区域', '全国'), ('分支机构', '、'.join(g.get('branches') or []) or '无')]
        if style == 'bs':
            bhtml = '<dl class="dl-horizontal">%s</dl>' % ''.join('<dt>%s</dt><dd>%s</dd>' % kv for kv in basic)
        else:
            bhtml = '<table class="info">%s</table>' % ''.join('<tr><th>%s</th><td>%s</td></tr>' % kv for kv in basic)
        sh_rows = ''.join('<tr><td>%s</td><td>%s</td><td>%s</td></tr>' % (h[0], h[4].replace('股东', ''), pct(pkey, h[1]))
                          for h in cur_holders)
        shtml = '<h3>股东信息</h3><table class="holders"><tr><th>股东名称</th><th>股东类型</th><th>持股比例</th></tr>%s</table>' % sh_rows
        ohtml = '<h3>董事、监事及高级管理人员</h3><table><tr><th>姓名</th><th>职务</th><th>简介</th></tr>%s</table>' % ''.join(
            '<tr><td>%s</td><td>%s</td><td>%s</td></tr>' % (n, r, rng.choice([
                '毕业于复旦大学金融学专业，曾任职于某股份制银行信贷部，拥有十余年金融从业经验。',
                '硕士学历，曾在四大会计师事务所工作8年。', '拥有15年互联网及金融行业管理经验。',
                '曾任某城商行支行行长，熟悉中小微企业信贷业务。', '高级工程师，主导过多个大型支付系统建设。']))
            for n, r in cur_off)
        hhtml = ''
        exp_holders = [dict(name=h[0], share=share(pkey, h[1]), start=None, end=None) for h in cur_holders]
        exp_legal = [dict(name=cur_legal, start=None, end=None)]
        exp_off = [dict(name=n, role=r, start=None, end=None) for n, r in cur_off]
        if hist:
            ev = []
            for name, amt, s, e, t in g['holders']:
                if e:
                    succ = [h for h in g['holders'] if h[2] == e][0]
                    ev.append((e, '股东%s将其持有的公司%s股权全部转让给%s，相关工商变更登记已于%s完成。'
                               % (name, pct(pkey, amt), succ[0], cn_date(e))))
                    exp_holders.append(dict(name=name, share=share(pkey, amt), start=None, end=e))
                    for x in exp_holders:
                        if x['name'] == succ[0]:
                            x['start'] = e
            if len(g['legal']) > 1:
                old, new = g['legal'][0], g['legal'][1]
                ev.append((new[1], '公司法定代表人由%s变更为%s。' % (old[0], new[0])))
                exp_legal = [dict(name=old[0], start=None, end=old[2]), dict(name=new[0], start=new[1], end=None)]
            if g.get('controller_hist'):
                old, new = g['controller_hist'][0], g['controller_hist'][1]
                ev.append((new[1], '公司实际控制人由%s变更为%s。' % (old[0], new[0])))
            ev.sort()
            hhtml = '<h3>重大变更情况</h3><ul class="events">%s</ul>' % ''.join(
                '<li><span class="d">%s</span>%s</li>' % (cn_date(d), t) for d, t in ev)
        ctrl = '<p class="ctrl">公司实际控制人为%s%s。</p>' % ('、'.join(g['controllers']),
                                                     '（共同实际控制人）' if len(g['controllers']) > 1 else '')
        title = '组织信息'
        main = ('<div class="about"><h2>%s</h2><p class="intro">%s（以下简称“%s”）成立于%s，注册资本%s万元，是一家依法设立的网络借贷信息中介机构。'
                '平台已接入%s资金存管系统，并于%s正式上线运行，目前平台注册用户已超过%s人。</p>\n<h3>基本信息</h3>%s\n%s\n%s\n%s\n%s</div>'
                % (title, p['name'], p['brands'][0], cn_date(p['founded']), '{:,}'.format(p['cap']), p['bank'],
                   p['launch'].replace('-', '年') + '月', '{:,}'.format(rng.randint(100000, 900000)), bhtml, shtml, ctrl, ohtml, hhtml))
        html = page(ctx, title, main, style=style, charset=cs, section='组织信息')
        ctrls = [dict(name=n, start=None, end=None) for n in g['controllers']]
        if hist and g.get('controller_hist'):
            ctrls = [dict(name=n, start=s, end=e) for n, s, e in g['controller_hist']]
        exp = dict(page_type='about', layout='about-' + style, url_path=url, platform=platform_ref(pkey), published=None,
                   controllers=ctrls, shareholders=exp_holders,
                   legal_representatives=exp_legal, officers=exp_off,
                   institution=dict(name=p['name'], uscc=p['uscc'], brands=p['brands'], registered_capital=p['cap'] * 10000,
                                    paid_in_capital=p['paid'] * 10000, custody_bank=p['bank'], icp=p['icp'],
                                    registered_address=p['reg_addr'], business_address=p['biz_addr'],
                                    branches=g.get('branches') or []))
        made.append((write('about', stem, html, cs, exp), 'about-' + style, cs, exp))
    return made


# ---------------------------------------------------------------- registry pages
REGISTRY = [
    # stem, pkey, style ('gsxt' national system / 'agg' commercial aggregator), charset, url
    ('fenggu_registry', 'fenggu', 'agg', 'utf-8', '/firm/3f9a2c71d0e84b5c.html'),
    ('qiantangzhan_registry', 'qiantangzhan', 'gsxt', 'utf-8', '/corp-query-entprise-info-PROVINCENODENUM330000ZJ9A21.html'),
    ('suirongyi_registry', 'suirongyi', 'gsxt', 'gbk', '/corp-query-entprise-info-PROVINCENODENUM440000GD7E0F.html'),
    ('chuhuitong_registry', 'chuhuitong', 'agg', 'utf-8', '/company/2313578892'),
    ('chengzi_registry', 'chengzi', 'gsxt', 'utf-8', '/corp-query-entprise-info-PROVINCENODENUM320000JS3C88.html'),
    ('maitian_registry', 'maitian', 'gsxt', 'utf-8', '/corp-query-entprise-info-PROVINCENODENUM500000CQ51D2.html'),
]
AUTH = {'310115': '上海市浦东新区市场监督管理局', '330106': '杭州市西湖区市场监督管理局', '440106': '广州市天河区工商行政管理局',
        '420106': '武汉市武昌区工商行政管理和质量技术监督局', '320505': '苏州市虎丘区市场监督管理局', '500112': '重庆市渝北区市场监督管理局'}


def registry_changes(pkey, agg):
    g = GOV[pkey]
    ch = []
    dates = sorted({h[2] for h in g['holders'] if h[2]} | {l[1] for l in g['legal'] if l[1]})
    for d in dates:
        before = [h for h in g['holders'] if (h[2] is None or h[2] < d) and (h[3] is None or h[3] >= d)]
        after = [h for h in g['holders'] if (h[2] is None or h[2] <= d) and (h[3] is None or h[3] > d)]
        if before != after:
            fmt = (lambda h: '%s（出资比例：%s）' % (h[0], pct(pkey, h[1]))) if agg else (lambda h: h[0])
            ch.append((d, '投资人(股权)变更' if not agg else '股东变更', '；'.join(map(fmt, before)), '；'.join(map(fmt, after))))
        lb = [l for l in g['legal'] if l[2] == d]
        la = [l for l in g['legal'] if l[1] == d]
        if lb and la:
            ch.append((d, '法定代表人变更', lb[0][0], la[0][0]))
        ob = [o for o in g['reg_officers'] if (o[2] is None or o[2] < d) and (o[3] is None or o[3] >= d)]
        oa = [o for o in g['reg_officers'] if (o[2] is None or o[2] <= d) and (o[3] is None or o[3] > d)]
        if ob != oa:
            f = lambda o: '%s（%s）' % (o[0], o[1])
            ch.append((d, '高级管理人员备案（董事、监事、经理等）' if not agg else '主要人员变更', '；'.join(map(f, ob)), '；'.join(map(f, oa))))
    ch += [tuple(c) for c in g.get('extra_changes', [])]
    ch.sort(key=lambda c: c[0], reverse=True)
    return ch


def gen_registry():
    made = []
    for stem, pkey, style, cs, url in REGISTRY:
        g = GOV[pkey]
        p = P[pkey]
        agg = style == 'agg'
        ctx = Ctx(pkey, ['2019-06'], stem, pub=False)
        cur_holders = [h for h in g['holders'] if h[3] is None]
        cur_legal = [l for l in g['legal'] if l[2] is None][0][0]
        cur_off = [o for o in g['reg_officers'] if o[3] is None]
        status = '存续（在营、开业、在册）'
        basic = [('统一社会信用代码', p['uscc']), ('企业名称', p['name']), ('类型', '有限责任公司(自然人投资或控股)'),
                 ('法定代表人', cur_legal), ('注册资本', '%s万元人民币' % p['cap']), ('成立日期', cn_date(p['founded'])),
                 ('营业期限自', cn_date(p['founded'])), ('营业期限至', '长期' if pkey != 'maitian' else '2036年2月18日'),
                 ('登记机关', AUTH[p['region']]), ('核准日期', cn_date({'fenggu': '2017-11-02', 'qiantangzhan': '2017-01-09',
                                                                       'suirongyi': '2017-09-05', 'chuhuitong': '2017-06-20',
                                                                       'chengzi': '2018-06-11', 'maitian': '2018-08-30'}[pkey])),
                 ('登记状态', status), ('住所', p['reg_addr']),
                 ('经营范围', '网络借贷信息中介服务；计算机软硬件技术开发、技术服务、技术咨询；企业管理咨询。（依法须经批准的项目，经相关部门批准后方可开展经营活动）')]
        if agg:
            basic.insert(5, ('实缴资本', '%s万元人民币' % p['paid']))
            basic.append(('曾用名', '-'))
        bh = '<table class="basic">%s</table>' % ''.join(
            '<tr>%s</tr>' % ''.join('<td class="t">%s</td><td>%s</td>' % kv for kv in basic[i:i + 2]) for i in range(0, len(basic), 2))
        if agg:
            hh = ('<table class="holder"><tr><th>序号</th><th>股东（发起人）</th><th>持股比例</th><th>认缴出资额(万元)</th><th>认缴出资日期</th></tr>%s</table>'
                  % ''.join('<tr><td>%d</td><td>%s<br><span class="tag">%s</span></td><td>%s</td><td>%s</td><td>%s</td></tr>'
                            % (i + 1, h[0], '大股东' if i == 0 else '', pct(pkey, h[1]), '{:,.2f}'.format(h[1]),
                               h[2] if h[2] else '2035-12-31') for i, h in enumerate(cur_holders)))
        else:
            hh = ('<table class="holder"><tr><th>序号</th><th>股东名称</th><th>股东类型</th><th>证照/证件类型</th><th>证照/证件号码</th>'
                  '<th>认缴出资额（万元）</th><th>认缴出资方式</th><th>认缴出资日期</th></tr>%s</table>'
                  % ''.join('<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>货币</td><td>%s</td></tr>'
                            % (i + 1, h[0], h[4], '居民身份证' if h[4] == '自然人股东' else '营业执照',
                               '非公示项' if h[4] == '自然人股东' else '详情', '{:.6f}'.format(h[1]),
                               cn_date(h[2]) if h[2] else '2036年12月31日') for i, h in enumerate(cur_holders)))
        ph = '<table class="person"><tr><th>序号</th><th>姓名</th><th>职务</th></tr>%s</table>' % ''.join(
            '<tr><td>%d</td><td>%s</td><td>%s</td></tr>' % (i + 1, o[0], o[1]) for i, o in enumerate(cur_off))
        chs = registry_changes(pkey, agg)
        chh = ('<table class="change"><tr><th>序号</th><th>变更事项</th><th>变更前</th><th>变更后</th><th>变更日期</th></tr>%s</table>'
               % ''.join('<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                         % (i + 1, c[1], c[2] or '-', c[3] or '-', c[0]) for i, c in enumerate(chs)))
        secs = [('营业执照信息' if not agg else '工商信息', bh), ('股东及出资信息' if not agg else '股东信息', hh),
                ('主要人员信息', ph), ('变更信息' if not agg else '变更记录', chh)]
        if g.get('branches'):
            secs.append(('分支机构信息', '<ul>%s</ul>' % ''.join('<li>%s</li>' % b for b in g['branches'])))
        if g.get('abnormal'):
            secs.append(('经营异常信息', '<table><tr><th>序号</th><th>列入经营异常名录原因</th><th>列入日期</th><th>作出决定机关</th></tr>%s</table>'
                         % ''.join('<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td></tr>' % (i + 1, a[1], a[0], a[2])
                                   for i, a in enumerate(g['abnormal']))))
        if g.get('penalties'):
            secs.append(('行政处罚信息', '<table><tr><th>决定书文号</th><th>违法行为类型</th><th>行政处罚内容</th><th>决定机关</th><th>处罚决定日期</th></tr>%s</table>'
                         % ''.join('<tr><td>%s</td><td>%s</td><td>罚款人民币%s元</td><td>%s</td><td>%s</td></tr>'
                                   % (x['doc_no'], x['reason'], '{:,}'.format(x['amount']), x['authority'], x['date'])
                                   for x in g['penalties'])))
        if g.get('enforcement'):
            secs.append(('司法风险', '<table><tr><th>类型</th><th>案号</th><th>执行法院</th><th>立案日期</th><th>执行标的（元）</th></tr>%s</table>'
                         % ''.join('<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                                   % (x['kind'], x['case_no'], x['court'], x['filed'], '{:,}'.format(x['amount']))
                                   for x in g['enforcement'])))
        if agg:
            secs.insert(1, ('实际控制人', '<div class="ctrl-card"><b>%s</b><span>最终受益股份：%s</span><p>股权链：%s → %s</p></div>'
                            % (g['controllers'][0], pct(pkey, cur_holders[0][1]) if cur_holders[0][0] == g['controllers'][0] else '详见股权穿透图',
                               g['controllers'][0], p['name'])))
        body = ''.join('<div class="section"><h3 class="sec-tit">%s</h3>%s</div>\n' % s for s in secs)
        if agg:
            html = ('<!DOCTYPE html><html><head><meta charset="%s"><title>%s - 工商信息查询 - 企业信用查询</title></head><body>\n'
                    '<div class="search-bar"><input placeholder="请输入企业名称、人名、产品名等"> <a href="/vip">开通VIP</a> 客服热线 400-928-2212</div>\n'
                    '<div class="company-header"><h1>%s</h1><span class="tag">%s</span><p>电话：%s 邮箱：service@%s 官网：%s</p>'
                    '<p>浏览 %s 次 · 更新于 2019-06-18</p></div>\n<div class="tabs">基本信息 法律诉讼 经营风险 经营信息 知识产权 历史信息</div>\n%s'
                    '<div class="footer">&copy;2019 企业信用查询 京ICP备14058888号-2 本站数据来源于国家企业信用信息公示系统等公开信息</div></body></html>\n'
                    % (cs, p['name'], p['name'], '存续', p['tel'], p['domain'].replace('www.', ''), p['domain'],
                       '{:,}'.format(ctx.rng.randint(3000, 90000)), body))
        else:
            html = ('<!DOCTYPE html><html><head><meta charset="%s"><title>国家企业信用信息公示系统</title></head><body>\n'
                    '<div class="header"><img src="/images/gsxt_logo.png" alt="国家企业信用信息公示系统"> '
                    '<a href="/index.html">首页</a> <a href="/corp-query-homepage.html">信息公告</a> <a href="#">企业信息填报</a></div>\n'
                    '<div class="detail"><h1 class="fullName">%s</h1><span class="status">%s</span>'
                    '<p>统一社会信用代码：%s</p><div class="tab">基础信息 行政许可信息 行政处罚信息 列入经营异常名录信息 列入严重违法失信企业名单（黑名单）信息</div>\n%s</div>'
                    '<div class="footer">主办单位：国家市场监督管理总局 地址：北京市西城区三里河东路八号 邮政编码：100820 京ICP备18022388号</div></body></html>\n'
                    % (cs, p['name'], status, p['uscc'], body))
        exp_holders = []
        for h in g['holders']:
            shown_share = share(pkey, h[1]) if (h[3] is None or agg) else None
            exp_holders.append(dict(name=h[0], share=shown_share, start=h[2], end=h[3]))
        exp = dict(page_type='registry', layout='registry-' + style, url_path=url, platform=platform_ref(pkey),
                   published='2019-06-18' if agg else None,
                   controllers=[dict(name=n) for n in g['controllers']] if agg else [],
                   shareholders=exp_holders,
                   legal_representatives=[dict(name=l[0], start=l[1], end=l[2]) for l in g['legal']],
                   officers=[dict(name=o[0], role=o[1], start=o[2], end=o[3]) for o in g['reg_officers']],
                   changes=[dict(date=c[0], item=c[1], before=c[2], after=c[3]) for c in chs],
                   penalties=g.get('penalties', []), enforcement=g.get('enforcement', []),
                   abnormal=[dict(date=a[0], reason=a[1], authority=a[2]) for a in g.get('abnormal', [])])
        made.append((write('registry', stem, html, cs, exp), 'registry-' + style, cs, exp))
    return made


# ---------------------------------------------------------------- complaint list pages
N = lambda k: P[k]['name']
# (date, as_named, platform key or None, title, text, problem, amount)
COMPLAINTS = {
    'heimao_latest': dict(site='heimao', charset='utf-8', url='/company/list/p2p?page=1', platform=None, posts=[
        ('2018-07-16 09:12', '麦田贷', 'maitian', '麦田贷逾期不还本金，客服失联', '本人2018年4月在麦田贷出借3万元，期限3个月，7月到期至今未回款，APP提示“回款中”，客服电话一直无人接听。', '逾期不还', '30000'),
        ('2018-07-16 08:47', '钱塘栈', 'qiantangzhan', '钱塘栈提现困难，一直显示处理中', '7月10日申请提现15,600元，至今没有到账，平台说是银行系统升级，请尽快处理提现困难的问题。', '提现困难', '15600'),
        ('2018-07-15 22:31', '汇溪贷', 'huixi', '汇溪贷暴力催收，骚扰通讯录联系人', '在汇溪贷借款2000元，逾期两天就开始给我通讯录里的同事打电话，要求停止暴力催收。', '暴力催收', '2000'),
        ('2018-07-15 20:05', '渝麦金融', 'maitian', '渝麦金融项目逾期，要求退还本金', '6月份投资的渝麦金融“麦田月月盈”项目逾期，平台公告说兑付困难，要求平台退还本金48000元。', '逾期不还', '48000'),
        ('2018-07-15 17:40', '聚鑫宝', None, '聚鑫宝平台跑路，无法登录', '聚鑫宝网站打不开，微信群解散，投资的5万元无法取回。', '平台跑路', '50000'),
        ('2018-07-15 15:18', '塘栈理财', 'qiantangzhan', '塘栈理财客服失联，项目到期不兑付', '塘栈理财的项目7月12日到期，没有任何回款，客服QQ和电话都失联了。', '客服失联', '82000'),
        ('2018-07-15 11:02', '蓉信宝', 'rongxinbao', '蓉信宝乱收服务费', '借款5000元，到手只有4400元，扣了600元服务费，合同上没有说明，乱收费用要求退还。', '乱收费', '600'),
        ('2018-07-14 21:55', '重庆渝麦网络科技有限公司', 'maitian', '重庆渝麦网络科技有限公司拖欠出借人资金', '重庆渝麦网络科技有限公司旗下平台拖欠出借人资金，至今无任何兑付方案。', '逾期不还', '120000'),
        ('2018-07-14 19:20', '楚汇通', 'chuhuitong', '楚汇通项目延期，无法按时回款', '楚汇通的企业借款项目到期后延期30天，平台说借款企业资金紧张，本人无法按时回款。', '逾期不还', '66000'),
        ('2018-07-14 13:33', '橙e借', 'chengzi', '橙e借提前还款违约金过高', '在橙e借借款提前还款被收取剩余本金1%的违约金，认为收费过高。', '乱收费', '310'),
        ('2018-07-14 10:08', '鑫盛财富', None, '鑫盛财富提现不到账', '鑫盛财富提现一周未到账，客服说排队中。', '提现困难', '9000'),
        ('2018-07-13 23:41', '钱塘栈', 'qiantangzhan', '钱塘栈逾期不还，要求立即兑付', '钱塘栈多个标的逾期，本人共计12万元未收回，要求平台立即兑付。', '逾期不还', '120000'),
        ('2018-07-13 16:27', '麦田贷', 'maitian', '麦田贷债转无法成交', '麦田贷发布债权转让后一直无人承接，资金被困在平台上，提现困难。', '提现困难', '26000'),
        ('2018-07-13 09:15', '汇溪', 'huixi', '汇溪APP征信上报错误', '已在汇溪结清的借款仍被上报为逾期，影响个人征信，要求更正。', '征信问题', '0'),
    ]),
    'heimao_maitian': dict(site='heimao_company', charset='utf-8', url='/company/view/5783621', platform='maitian', posts=[
        ('2018-10-12 18:22', '麦田贷', 'maitian', '麦田贷停止运营，本金何时兑付', '平台10月8日发布停止运营公告，出借人本金什么时候能拿回来？', '逾期不还', '56000'),
        ('2018-10-11 10:05', '渝麦', 'maitian', '渝麦平台停运后客服失联', '渝麦停运后客服电话全部关机，微信群也被禁言，客服失联。', '客服失联', '20000'),
        ('2018-10-09 21:40', '麦田贷', 'maitian', '麦田贷拒不提供兑付方案', '麦田贷停运后只说会催收借款人，拒不提供任何兑付方案。', '逾期不还', '73000'),
        ('2018-09-28 14:13', '渝麦金融', 'maitian', '渝麦金融提现申请被驳回', '提现申请被驳回三次，提示“系统维护”，提现困难。', '提现困难', '8800'),
        ('2018-09-20 09:31', '麦田贷', 'maitian', '麦田贷法人变更后无人负责', '平台法定代表人8月底变更，现在出了问题没有人负责。', '其他', '35000'),
        ('2018-09-03 16:56', '麦田贷', 'maitian', '麦田贷每月回款不足10%', '麦田贷宣布每月按比例兑付，8月只回款了应还金额的6%。', '逾期不还', '41000'),
        ('2018-08-17 11:45', '重庆渝麦网络科技有限公司', 'maitian', '重庆渝麦网络科技有限公司逾期兑付', '重庆渝麦网络科技有限公司运营的麦田贷项目全部逾期兑付。', '逾期不还', '150000'),
        ('2018-08-02 20:12', '麦田贷', 'maitian', '麦田贷暂停提现', '平台突然暂停提现功能，说是配合存管银行系统升级。', '提现困难', '18000'),
        ('2018-07-25 08:40', '渝麦金融', 'maitian', '渝麦金融承诺的兑付没有落实', '7月9日公告承诺7月20日前兑付第一批，至今没有落实。', '逾期不还', '60000'),
        ('2018-07-10 22:03', '麦田贷', 'maitian', '麦田贷兑付困难说明不可信', '平台发布兑付困难说明，称借款人集中逾期，要求公开借款人信息。', '信息不透明', '25000'),
    ]),
    'wdzj_bgt_1': dict(site='wdzj', charset='utf-8', url='/bbs/forum-110-1.html', platform=None, posts=[
        ('2018-8-14 21:03', '楚汇通', 'chuhuitong', '[曝光]楚汇通延期兑付，请各位注意', '楚汇通8月6日发布延期兑付公告，本人有4个标在里面，延期至少3个月，大家小心。', '延期兑付', ''),
        ('2018-8-14 18:27', '武汉楚汇通', 'chuhuitong', '[维权]武汉楚汇通出借人集合', '武汉楚汇通的出借人请加群集合，一起去武昌区经侦报案。', '报案', ''),
        ('2018-8-13 12:40', '泓信宝', 'hongxin', '[曝光]泓信宝回款慢', '泓信宝本月回款明显变慢，有的标的逾期了5天才回。', '逾期', ''),
        ('2018-8-12 09:58', '钱塘栈', 'qiantangzhan', '[曝光]钱塘栈已被立案，出借人速去登记', '钱塘栈已被杭州西湖公安分局立案侦查，出借人请尽快到指定地点登记。', '立案', ''),
        ('2018-8-11 23:11', '金阶网', 'jinjie', '[吐槽]金阶网标的越来越少', '金阶网最近几乎不发标了，每次抢都抢不到，怀疑平台出了问题。', '其他', ''),
        ('2018-8-11 17:46', '沣谷金服', 'fenggu', '[吐槽]沣谷金服提现手续费太高', '沣谷金服每月超过3笔的提现要收2元手续费，希望能取消。', '乱收费', ''),
        ('2018-8-10 20:05', '鹭付贷', 'lufu', '[求助]鹭付贷债权转让一直挂着', '在鹭付贷转让了2万元债权，挂了一周都没人接。', '提现困难', ''),
        ('2018-8-10 15:33', '塘栈', 'qiantangzhan', '[曝光]塘栈老板失联', '听说塘栈的实际控制人已经失联，公司人去楼空。', '失联', ''),
        ('2018-8-09 22:19', '米仓', 'micang', '[讨论]米仓理财还能投吗', '米仓理财最近收益下调，不知道平台情况如何，有没有懂的？', '其他', ''),
        ('2018-8-09 10:52', '楚汇通', 'chuhuitong', '[曝光]楚汇通借款企业疑似自融', '楚汇通的几个借款企业注册地址都在同一栋楼，疑似关联方自融。', '自融', ''),
        ('2018-8-08 19:30', '宏利在线', None, '[曝光]宏利在线跑路', '宏利在线今天网站关闭，据说老板已经跑路。', '跑路', ''),
        ('2018-8-08 14:07', '穗融易', 'suirongyi', '[吐槽]穗融易利息管理费', '穗融易收取利息的10%作为管理费，实际收益比宣传的低。', '乱收费', ''),
        ('2018-8-07 11:26', '楚汇通', 'chuhuitong', '[曝光]楚汇通客服失联', '楚汇通客服电话027开头的打不通，400也无人接听，客服失联。', '客服失联', ''),
        ('2018-8-06 21:48', '津桥宝', 'jinqiao', '[求助]津桥宝存管账户激活失败', '津桥宝存管账户一直激活失败，无法出借。', '其他', ''),
        ('2018-8-06 16:12', '麦田贷', 'maitian', '[曝光]麦田贷承诺的兑付再次跳票', '麦田贷第二次承诺兑付时间又跳票了。', '逾期', ''),
        ('2018-8-05 08:55', '汇溪贷', 'huixi', '[吐槽]汇溪贷客服态度差', '汇溪贷客服态度很差，问题一直不给解决。', '服务态度', ''),
    ]),
    'wdzj_bgt_2': dict(site='wdzj', charset='gbk', url='/bbs/forum-110-7.html', platform=None, posts=[
        ('2019-3-20 22:14', '米仓理财', 'micang', '[讨论]米仓理财宣布良性退出', '米仓理财3月18日发布良性退出公告，承诺24个月内兑付完毕，大家怎么看？', '良性退出', ''),
        ('2019-3-19 10:03', '济南米仓', 'micang', '[求助]济南米仓的兑付方案可信吗', '济南米仓说每月兑付4%，要两年才能兑完，担心中途出问题。', '兑付', ''),
        ('2019-3-15 17:32', '金阶', 'jinjie', '[曝光]金阶清盘进度缓慢', '金阶清盘公告说每月兑付，已经4个月了只回了8%。', '清盘', ''),
        ('2019-3-12 09:40', '泓信宝', 'hongxin', '[曝光]泓信宝暂停发标后逾期扩大', '泓信宝去年10月暂停发标后，逾期越来越多，现在基本不回款了。', '逾期', ''),
        ('2019-3-09 20:11', '长安泓', 'hongxin', '[维权]长安泓出借人请联系', '西安长安泓的出借人请联系，准备集体报案。', '报案', ''),
        ('2019-3-08 13:27', '楚汇通', 'chuhuitong', '[曝光]楚汇通成了失信被执行人', '楚汇通运营公司已被列入失信被执行人名单，执行标的128.5万元。', '失信', ''),
        ('2019-3-06 15:50', '砚池在线', 'yanchi', '[吐槽]砚池在线收益又降了', '砚池在线新标收益降到8%，比去年低了1个点。', '其他', ''),
        ('2019-3-05 11:19', '徽链', 'huilian', '[求助]徽链金服回款延迟一天', '徽链金服这个月的回款晚了一天到账，正常吗？', '回款延迟', ''),
        ('2019-3-02 08:36', '鼎盛贷', None, '[曝光]鼎盛贷逾期', '鼎盛贷大面积逾期，平台称在催收。', '逾期', ''),
    ]),
}


def gen_complaints():
    made = []
    for stem, c in COMPLAINTS.items():
        items = []
        exp_posts = []
        rng = random.Random(stem)
        for dt, named, pk, title, text, prob, amt in c['posts']:
            kw = [s for s in ('提现困难', '逾期不还', '客服失联', '暴力催收', '延期兑付', '乱收费', '跑路', '立案', '良性退出', '失信',
                              '暂停发标', '清盘', '停止运营', '逾期兑付', '自融', '兑付困难') if s in text]
            tc = kw[0] if kw else text[:10]
            d = dt.split()[0]
            y, m, dd = map(int, d.split('-'))
            exp_posts.append(dict(date='%04d-%02d-%02d' % (y, m, dd), platform_as_named=named,
                                  platform=N(pk) if pk else None, title=title, text_contains=tc))
            if c['site'].startswith('heimao'):
                sn = '1731%07d' % rng.randint(0, 9999999)
                items.append('<div class="blackcat-con"><a href="javascript:;"><h1>%s</h1></a><ul class="list">'
                             '<li><span>[投诉编号]</span>%s</li><li><span>[投诉对象]</span>%s</li><li><span>[投诉问题]</span>%s</li>'
                             '<li><span>[投诉要求]</span>%s</li>%s<li><span>[投诉进度]</span><b>%s</b></li></ul>'
                             '<p class="con">%s</p><div class="bot"><span class="time">%s</span><span>点赞 %d</span><span>%d 人关注</span></div></div>'
                             % (title, sn, named, prob, rng.choice(['退还本金', '要求兑付', '停止催收', '退还费用', '给出解释']),
                                '<li><span>[涉诉金额]</span>%s元</li>' % amt if amt and amt != '0' else '',
                                rng.choice(['处理中', '已回复', '已完成']), text,
                                '%d年%02d月%02d日 %s' % (y, m, dd, dt.split()[1]) if rng.random() < 0.5 else dt,
                                rng.randint(0, 80), rng.randint(1, 300)))
            else:
                uid = rng.randint(100000, 9999999)
                items.append('<tbody id="normalthread_%d"><tr><td class="icn"><img src="static/image/common/folder_new.gif"></td>'
                             '<th class="new"><a href="javascript:;" class="s xst">%s</a><div class="preview">%s</div></th>'
                             '<td class="by"><cite><a href="space-uid-%d.html">wdzj_%d</a></cite><em><span>发表于 %s</span></em></td>'
                             '<td class="num"><a class="xi2">%d</a><em>%d</em></td></tr></tbody>'
                             % (uid, title, text, uid, uid, dt, rng.randint(0, 60), rng.randint(20, 5000)))
        if c['site'] == 'heimao':
            main = ('<div class="tousu-list"><div class="tab"><a class="on">最新投诉</a><a>已回复</a><a>已完成</a></div>\n%s\n'
                    '<div class="page"><a>上一页</a><a class="on">1</a><a>2</a><a>3</a><a>下一页</a></div></div>' % '\n'.join(items))
            title = '黑猫投诉-新浪旗下消费者服务平台'
        elif c['site'] == 'heimao_company':
            pk = c['platform']
            main = ('<div class="company-hd"><img src="/logo/5783621.png"><h2>%s</h2><p>累计投诉量 <b>%d</b> 已回复 <b>0</b> 已完成 <b>0</b></p>'
                    '<p>企业全称：%s</p></div><div class="tousu-list">\n%s\n</div>' % (P[pk]['brands'][0] + '（' + P[pk]['brands'][1] + '）',
                                                                               rng.randint(300, 2000), N(pk), '\n'.join(items)))
            title = '%s投诉-黑猫投诉' % P[pk]['brands'][0]
        else:
            main = ('<div id="pt" class="bm cl">网贷之家 &rsaquo; 论坛 &rsaquo; 曝光台</div><div class="bm_h">曝光台 <span>今日: %d | 主题: %s</span></div>'
                    '<p class="rule">版规：曝光须实名、有凭证；恶意造谣者封号处理。客服QQ：800021588</p>'
                    '<table summary="forum_110" id="threadlisttableid">\n%s\n</table>'
                    % (rng.randint(20, 200), '{:,}'.format(rng.randint(30000, 90000)), '\n'.join(items)))
            title = '曝光台-网贷之家论坛'
        html = ('<!DOCTYPE html>\n<html><head><meta charset="%s"><title>%s</title></head><body>\n<div class="top">%s</div>\n%s\n'
                '<div class="footer">%s</div></body></html>\n'
                % (c['charset'], title,
                   '<a href="/">首页</a> <a href="/tousu">我要投诉</a> <a href="/app">下载客户端</a>' if c['site'].startswith('heimao')
                   else '<a href="/">网贷之家</a> <a href="/dangan/">平台档案</a> <a href="/bbs/">论坛</a> <a href="/news/">资讯</a>',
                   main, 'Copyright &copy; 1996-2019 SINA Corporation 京ICP证000007' if c['site'].startswith('heimao')
                   else 'Copyright &copy; 2011-2019 网贷之家 沪ICP备12034656号 客服电话：400-888-6677'))
        exp = dict(page_type='complaints', layout='complaints-' + c['site'], url_path=c['url'],
                   platform=platform_ref(c['platform']), published=None, posts=exp_posts)
        made.append((write('complaints', stem, html, c['charset'], exp), 'complaints-' + c['site'], c['charset'], exp))
    return made


# ---------------------------------------------------------------- news pages
NEWS = [
    dict(stem='news_201808_ranking', date='2018-08-03', charset='utf-8', url='/news/hydongtai/201808/03-51277.html',
         title='7月网贷成交量环比下降 多家平台“爆雷”', source='网贷天眼',
         paras=['据不完全统计，7月全国网贷行业成交量约为1,459.42亿元，环比下降约13.5%。其中，沣谷金服、砚池在线等平台成交量保持稳定，'
                '橙e借7月成交额较上月小幅上升。',
                '与此同时，多家平台出现问题：杭州平台钱塘栈于7月下旬被警方立案侦查；重庆的麦田贷7月9日发布兑付困难说明，'
                '引发出借人担忧。业内人士指出，中小平台流动性压力明显上升。',
                '另据了解，汇溪贷于7月完成了第二轮融资，徽链金服则宣布接入徽商银行存管系统满一年。',
                '（本文数据仅供参考，不构成投资建议。）'],
         mentions=[('沣谷金服', 'fenggu'), ('砚池在线', 'yanchi'), ('橙e借', 'chengzi'), ('钱塘栈', 'qiantangzhan'),
                   ('麦田贷', 'maitian'), ('汇溪贷', 'huixi'), ('徽链金服', 'huilian')]),
    dict(stem='news_20180724_police', date='2018-07-24', charset='utf-8', url='/html/2018/0724/2018072410233.shtml',
         title='杭州一网贷平台被立案侦查 涉案金额或超5亿元', source='钱江晚报',
         paras=['7月23日晚，杭州市公安局西湖区分局发布警情通报，对杭州钱塘栈信息技术有限公司涉嫌非法吸收公众存款案立案侦查。',
                '记者了解到，钱塘栈（又称“塘栈理财”）成立于2015年，注册资本3000万元，主要从事企业借款撮合业务。今年7月以来，'
                '该平台多个项目出现逾期，平台此前曾发布逾期兑付公告。',
                '警方提醒，出借人可于7月25日至8月31日期间，到西湖区文三路派出所登记或通过网上平台登记，咨询电话0571-8728 1101。'],
         mentions=[('杭州钱塘栈信息技术有限公司', 'qiantangzhan'), ('钱塘栈', 'qiantangzhan'), ('塘栈理财', 'qiantangzhan')]),
    dict(stem='news_20190320_exits', date='2019-03-20', charset='gb18030', url='/news/2019/03/20/zx_88321.html',
         title='又一平台宣布良性退出 今年以来退出平台已超百家', source='网贷之家',
         paras=['3月18日，济南平台米仓理财发布良性退出公告，称将在24个月内完成全部存量借款的兑付。',
                '今年以来，多家平台相继宣布退出。此前，南京金阶网于去年11月发布清盘公告；西安的泓信宝自去年10月起暂停发标；'
                '武汉楚汇通在延期兑付后停止运营，其运营主体已被法院列为失信被执行人。',
                '据中国裁判文书网公布的一份判决书，武汉楚汇通网络科技有限公司与一名出借人的借款合同纠纷案中，法院判决被告偿还借款本金460,000元及相应利息。',
                '业内人士表示，良性退出需要兑付方案透明、资金存管账户可核查，出借人应密切关注平台披露的借贷余额和逾期数据。'],
         mentions=[('米仓理财', 'micang'), ('金阶网', 'jinjie'), ('泓信宝', 'hongxin'), ('楚汇通', 'chuhuitong'),
                   ('武汉楚汇通网络科技有限公司', 'chuhuitong')]),
    dict(stem='news_20181120_custody', date='2018-11-20', charset='utf-8', url='/a/20181120/7312.html',
         title='存管新规下 多家平台完成存管系统升级', source='零壹财经',
         paras=['11月以来，鹭付贷宣布完成厦门银行存管系统二期升级，津桥宝也表示已上线新版存管账户。',
                '据悉，鹭付（厦门鹭付金融信息服务有限公司）是福建省较早接入银行存管的平台之一。此外，蓉信宝已通过新网银行存管系统验收。',
                '同日，有出借人反映，汇通宝等平台存在提现延迟的情况，目前尚未得到平台回应。'],
         mentions=[('鹭付贷', 'lufu'), ('津桥宝', 'jinqiao'), ('鹭付', 'lufu'), ('厦门鹭付金融信息服务有限公司', 'lufu'),
                   ('蓉信宝', 'rongxinbao'), ('汇通宝', None)]),
]


def gen_news():
    made = []
    for n in NEWS:
        y, m, d = map(int, n['date'].split('-'))
        main = ('<div class="news-main"><h1>%s</h1><div class="news-info"><span>%d-%02d-%02d %02d:%02d</span><span>来源：%s</span>'
                '<span>编辑：张晓</span><span>阅读 %d</span></div>\n<div class="news-content">\n%s\n</div>'
                '<div class="related"><h4>相关阅读</h4><ul><li><a href="#">2018年网贷行业年报</a></li><li><a href="#">如何识别平台风险？</a></li></ul></div></div>'
                % (n['title'], y, m, d, 9 + len(n['title']) % 9, len(n['title']) % 60, n['source'], 1000 + 37 * len(n['title']),
                   '\n'.join('<p>%s</p>' % x for x in n['paras'])))
        html = ('<!DOCTYPE html>\n<html><head><meta charset="%s"><title>%s_%s</title></head><body>\n'
                '<div class="nav"><a href="/">首页</a> <a href="/news/">资讯</a> <a href="/data/">数据</a> <a href="/pingji/">评级</a></div>\n'
                '%s\n<div class="footer">版权所有 &copy; 2019 %s 备案号：京ICP备15044322号-1 违法和不良信息举报电话：010-5829 6688</div></body></html>\n'
                % (n['charset'], n['title'], n['source'], main, n['source']))
        exp = dict(page_type='news', layout='news-article', url_path=n['url'], platform=None, published=n['date'], date=n['date'],
                   mentions=[dict(platform_as_named=a, platform=N(k) if k else None) for a, k in n['mentions']])
        made.append((write('news', n['stem'], html, n['charset'], exp), 'news-article', n['charset'], exp))
    return made


# ---------------------------------------------------------------- notices
NOTICES = [
    dict(stem='maitian_20180709_distress', pkey='maitian', kind='distress', date='2018-07-09', charset='utf-8', site='platform',
         url='/gonggao/20180709.html', title='关于近期兑付困难的说明', signer='麦田贷运营团队', named='麦田贷',
         paras=['尊敬的麦田贷出借人：', '近期受行业环境影响，部分借款人还款能力下降，平台出现集中逾期，导致部分项目无法按期兑付，'
                '给您带来的困扰我们深表歉意。', '平台已成立专项催收小组，并将于2018年7月20日前公布具体兑付方案。兑付期间，平台暂停新标发布，'
                '存量债权转让功能正常开放。', '再次感谢您对麦田贷的理解与支持。']),
    dict(stem='maitian_20181008_stop', pkey='maitian', kind='stopped_operations', date='2018-10-08', charset='utf-8', site='wechat',
         url='/s/7uKq2mZbR0xN4pLw9TcYaQ', title='关于停止运营的公告', signer='渝麦金融', named='渝麦金融',
         paras=['各位出借人：', '由于平台无法继续满足监管备案要求，经股东会决议，渝麦金融自2018年10月8日起停止运营，'
                '不再发布新的借款项目，平台网站及APP将仅保留查询功能。', '平台将继续对存量借款进行催收，回收款项将按出借比例分配给出借人。',
                '对存量借款约9,108.20万元，平台将每月公布催收进度。']),
    dict(stem='chuhuitong_20180806_deferred', pkey='chuhuitong', kind='deferred_payment', date='2018-08-06', charset='gbk',
         site='platform', url='/gg/201808/t20180806_112.html', title='延期兑付公告', signer='武汉楚汇通网络科技有限公司',
         named='楚汇通',
         paras=['尊敬的楚汇通用户：', '因部分借款企业经营资金周转困难，平台2018年8月起到期的项目将延期兑付，延期期限为3至6个月，'
                '延期期间按原约定利率计息。', '武汉楚汇通网络科技有限公司承诺将积极督促借款企业还款，并每周公布回款情况。',
                '咨询电话：027-8771 6600（工作日9:00-17:30）。']),
    dict(stem='hongxin_20181015_suspend', pkey='hongxin', kind='suspended_lending', date='2018-10-15', charset='utf-8',
         site='wechat', url='/s/Hn3kP0qWz8vLr2TbY6cXeA', title='关于暂停发标的公告', signer='泓信宝', named='泓信宝',
         paras=['亲爱的泓信宝用户：', '为配合监管部门合规检查工作，平台自2018年10月15日起暂停发布新借款项目。'
                '存量项目的还款、回款及提现不受影响。', '恢复发标时间将另行通知。给您带来的不便，敬请谅解。']),
    dict(stem='jinjie_20181120_winddown', pkey='jinjie', kind='wind_down', date='2018-11-20', charset='gb18030', site='platform',
         url='/news/show.asp?id=1533', title='金阶网清盘公告', signer='南京金阶信息服务有限公司', named='金阶网',
         paras=['各位出借人：', '鉴于当前行业形势及平台自身经营状况，经公司股东会研究决定，金阶网即日起进入清盘程序，停止一切新增业务。',
                '截至2018年11月19日，平台借贷余额为3,702.16万元，其中逾期金额1,130.55万元。平台将成立清盘小组，'
                '自2018年12月起每月25日按比例兑付，兑付比例不低于剩余本金的4%。',
                '清盘期间平台将每月披露清盘进度，请出借人通过官网查询。']),
    dict(stem='micang_20190318_exit', pkey='micang', kind='benign_exit', date='2019-03-18', charset='utf-8', site='platform',
         url='/notice/20190318.html', title='米仓理财良性退出公告', signer='米仓理财', named='米仓理财',
         paras=['尊敬的米仓用户：', '根据监管部门关于网络借贷风险专项整治的工作要求，结合平台实际情况，米仓理财决定有序退出网贷行业（良性退出），'
                '自即日起不再发布新的借款项目。', '平台全部存量借款将按原合同约定到期还款，预计于24个月内兑付完毕。'
                '平台承诺在退出期间正常履行信息披露义务，并保持存管账户正常运行。', '平台客服热线0531-8219 6600将继续为您服务。']),
    dict(stem='qiantangzhan_20180724_police', pkey='qiantangzhan', kind='police_case', date='2018-07-24', charset='utf-8',
         site='police', url='/jwzx/jqtb/201807/t20180724_3381.html', title='警情通报',
         signer='杭州市公安局西湖区分局', named='杭州钱塘栈信息技术有限公司',
         paras=['2018年7月23日，杭州市公安局西湖区分局对杭州钱塘栈信息技术有限公司（“钱塘栈”平台）涉嫌非法吸收公众存款案立案侦查，'
                '依法对董某某等6名犯罪嫌疑人采取刑事强制措施。',
                '目前，案件侦办工作正在进行中。公安机关将依法全力开展追赃挽损工作。请投资人于2018年7月25日起到西湖区文三路派出所'
                '（杭州市西湖区文三路301号）报案登记，或登录指定网站进行网上登记。',
                '咨询电话：0571-8728 1101。']),
    dict(stem='qiantangzhan_20180712_overdue', pkey='qiantangzhan', kind='distress', date='2018-07-12', charset='utf-8',
         site='platform', url='/gonggao/show_247.html', title='关于部分项目逾期兑付的公告', signer='塘栈理财', named='塘栈理财',
         paras=['尊敬的塘栈理财出借人：', '近日，平台部分企业借款项目出现逾期，涉及金额约2,360万元。平台正在与借款企业积极沟通，'
                '督促其尽快还款，逾期兑付期间平台暂停提现审核。', '具体兑付安排将于近期另行公告，请出借人耐心等待，勿听信谣言。']),
]


def gen_notices():
    made = []
    for n in NOTICES:
        p = P[n['pkey']]
        y, m, d = map(int, n['date'].split('-'))
        body = '\n'.join('<p>%s</p>' % x for x in n['paras'])
        sign = '<p style="text-align:right">%s<br>%d年%d月%d日</p>' % (n['signer'], y, m, d)
        if n['site'] == 'police':
            html = ('<!DOCTYPE html>\n<html><head><meta charset="%s"><title>%s-杭州市公安局</title></head><body>\n'
                    '<div class="top">杭州市公安局 <a href="/">首页</a> <a href="/jwzx/">警务资讯</a> <a href="/bsfw/">办事服务</a></div>\n'
                    '<div class="article"><h1>%s</h1><div class="info">发布时间：%s 来源：西湖区分局</div>\n%s\n%s</div>\n'
                    '<div class="footer">杭州市公安局 版权所有 浙ICP备05031218号 报警电话：110</div></body></html>\n'
                    % (n['charset'], n['title'], n['title'], n['date'], body, sign))
        elif n['site'] == 'wechat':
            # a WeChat official-account article: only the brand appears, no registered name, no footer
            html = ('<!DOCTYPE html>\n<html><head><meta charset="%s"><meta name="viewport" content="width=device-width">'
                    '<title>%s</title></head><body id="activity-detail" class="zh_CN">\n<div class="rich_media">'
                    '<h2 class="rich_media_title" id="activity-name">%s</h2>\n<div class="rich_media_meta_list">'
                    '<span class="rich_media_meta rich_media_meta_nickname">%s</span> <em id="publish_time">%d-%02d-%02d</em></div>\n'
                    '<div class="rich_media_content" id="js_content">\n%s\n<p>%s</p><p>%d年%d月%d日</p></div>\n'
                    '<div class="rich_media_tool">阅读 %d &nbsp; 在看 %d</div></div>\n'
                    '<div class="qr_code_pc"><p>微信扫一扫<br>关注该公众号</p></div></body></html>\n'
                    % (n['charset'], n['title'], n['title'], n['named'], y, m, d, body, n['named'], y, m, d,
                       3000 + 17 * d, 12 + d))
        else:
            ctx = Ctx(n['pkey'], [prev_month(n['date'][:7])], n['stem'], pub=False)
            main = ('<div class="notice"><h1>%s</h1><div class="info">发布时间：%s&nbsp;&nbsp;来源：%s</div>\n%s\n%s</div>'
                    % (n['title'], n['date'], p['brands'][0] if n['named'] != p['name'] else '平台公告', body, sign))
            html = page(ctx, n['title'], main, style='legacy' if n['charset'] != 'utf-8' else 'modern', charset=n['charset'],
                        section='重大事项', with_counters=False)
        exp = dict(page_type='notice', layout='notice-' + n['site'], url_path=n['url'], platform=platform_ref(n['pkey']),
                   published=n['date'], kind=n['kind'], date=n['date'], platform_as_named=n['named'])
        made.append((write('notices', n['stem'], html, n['charset'], exp), 'notice-' + n['site'], n['charset'], exp))
    return made


# ---------------------------------------------------------------- court pages (裁判文书网 judgment, 执行信息公开网 list)
def gen_court():
    made = []
    p = P['chuhuitong']
    paras = [
        '原告：李某某，男，1968年3月12日出生，汉族，住湖北省武汉市江岸区。',
        '委托诉讼代理人：王某，湖北某某律师事务所律师。',
        '被告：%s，住所地%s。统一社会信用代码：%s。' % (p['name'], p['reg_addr'], p['uscc']),
        '法定代表人：汪志勇，该公司执行董事兼总经理。',
        '原告李某某与被告%s民间借贷纠纷一案，本院于2018年5月14日立案后，依法适用简易程序，公开开庭进行了审理。原告李某某的委托诉讼代理人王某到庭参加诉讼，'
        '被告%s经本院合法传唤，无正当理由拒不到庭参加诉讼，本院依法缺席审理。本案现已审理终结。' % (p['name'], p['name']),
        '原告李某某向本院提出诉讼请求：1.判令被告偿还借款本金460,000元及利息；2.本案诉讼费用由被告承担。事实和理由：2017年6月至2017年12月，'
        '原告通过被告运营的“楚汇通”网络借贷平台向被告出借资金共计460,000元，约定年利率11.9%，借款到期后被告未予偿还。',
        '本院认为，……被告作为借款人，应当按照约定期限返还借款本金并支付利息。',
        '依照《中华人民共和国合同法》第二百零六条、第二百零七条，《中华人民共和国民事诉讼法》第一百四十四条规定，判决如下：',
        '一、被告%s于本判决生效之日起十日内偿还原告李某某借款本金460,000元及利息（以460,000元为基数，自2018年1月1日起按年利率11.9%%计算至实际清偿之日止）；'
        % p['name'],
        '二、驳回原告李某某的其他诉讼请求。',
        '如果未按本判决指定的期间履行给付金钱义务，应当依照《中华人民共和国民事诉讼法》第二百五十三条之规定，加倍支付迟延履行期间的债务利息。',
        '案件受理费8,200元，减半收取4,100元，由被告%s负担。' % p['name'],
        '如不服本判决，可以在判决书送达之日起十五日内，向本院递交上诉状，并按对方当事人的人数提出副本，上诉于湖北省武汉市中级人民法院。',
    ]
    html = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>李某某与武汉楚汇通网络科技有限公司民间借贷纠纷一审民事判决书 - 中国裁判文书网</title></head><body>\n'
            '<div class="header"><img src="/Assets/img/logo.png" alt="中国裁判文书网"> <a href="/">首页</a> <a href="#">刑事案件</a> <a href="#">民事案件</a></div>\n'
            '<div class="PDF_box"><div class="PDF_title">李某某与武汉楚汇通网络科技有限公司民间借贷纠纷一审民事判决书</div>\n'
            '<div class="PDF_pox"><div class="fbsj">发布日期：2018-09-21</div><div class="ll">浏览：216次</div>\n'
            '<div style="text-align:center">湖北省武汉市武昌区人民法院<br>民 事 判 决 书</div>\n'
            '<div style="text-align:right">（2018）鄂0106民初5121号</div>\n%s\n'
            '<div style="text-align:right">审判员　　张某某<br>二〇一八年八月二十七日<br>书记员　　刘某</div></div></div>\n'
            '<div class="footer">中华人民共和国最高人民法院 版权所有 京ICP备05023036号</div></body></html>\n'
            % '\n'.join('<div>%s</div>' % x for x in paras))
    exp = dict(page_type='court', layout='court-judgment', url_path='/website/wenshu/181107ANFZ0BXSK4/index.html?docId=8a3f0c2e9b7d4e21a',
               platform=platform_ref('chuhuitong'), published='2018-09-21',
               case_no='（2018）鄂0106民初5121号', court='湖北省武汉市武昌区人民法院', judgment_date='2018-08-27',
               kind='民间借贷纠纷一审民事判决',
               parties=[dict(name='李某某', role='原告'), dict(name=p['name'], role='被告')],
               defendant_legal_representative='汪志勇',
               amounts=[dict(what='判决偿还借款本金', amount=460000), dict(what='案件受理费（减半收取后）', amount=4100)],
               platform_as_named=['武汉楚汇通网络科技有限公司', '楚汇通'])
    made.append((write('court', 'wenshu_chuhuitong_2018', html, 'utf-8', exp), 'court-judgment', 'utf-8', exp))

    rows = [
        ('武汉楚汇通网络科技有限公司', P['chuhuitong']['uscc'], '武汉市武昌区人民法院', '2018-10-15', '（2018）鄂0106执2231号', 460000, 'chuhuitong'),
        ('武汉楚汇通网络科技有限公司', P['chuhuitong']['uscc'], '武汉市武昌区人民法院', '2019-03-11', '（2019）鄂0106执387号', 1285000, 'chuhuitong'),
        ('重庆渝麦网络科技有限公司', P['maitian']['uscc'], '重庆市渝北区人民法院', '2019-04-02', '（2019）渝0112执1876号', 218600, 'maitian'),
        ('武汉楚汇通商贸有限公司', uscc('420106', 'MA4KQ81D'), '武汉市江汉区人民法院', '2019-01-22', '（2019）鄂0103执211号', 73500, None),
        ('杭州钱塘江栈桥旅游开发有限公司', uscc('330106', '68290417'), '杭州市西湖区人民法院', '2018-11-30', '（2018）浙0106执6620号', 1500000, None),
    ]
    trs = ''.join('<tr><td>%d</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>'
                  % (i + 1, r[0], r[1][8:17], r[2], r[3], r[4], '{:,}'.format(r[5])) for i, r in enumerate(rows))
    html = ('<!DOCTYPE html>\n<html><head><meta charset="gbk"><title>中国执行信息公开网</title></head><body>\n'
            '<div class="top">中国执行信息公开网 &nbsp; <a href="#">被执行人</a> <a href="#">失信被执行人</a> <a href="#">限制消费人员</a> <a href="#">终本案件</a></div>\n'
            '<div class="query">查询条件：被执行人姓名/名称：<b>楚汇通 / 渝麦 / 钱塘</b> &nbsp; 共 %d 条记录 &nbsp; 验证码：<img src="/captcha.png"></div>\n'
            '<table class="result" border="1"><tr><th>序号</th><th>被执行人姓名/名称</th><th>组织机构代码</th><th>执行法院</th><th>立案时间</th><th>案号</th><th>执行标的（元）</th></tr>\n%s\n</table>\n'
            '<div class="footer">最高人民法院 版权所有 京ICP备05023036号 &nbsp; 查询结果仅供参考，以各执行法院公布信息为准</div></body></html>\n'
            % (len(rows), trs))
    exp = dict(page_type='court', layout='court-enforcement-list', url_path='/zhzxgk/searchResult?page=1', platform=None, published=None,
               enforcement=[dict(name=r[0], org_code=r[1][8:17], court=r[2], filed=r[3], case_no=r[4], amount=r[5], kind='被执行人',
                                 platform=N(r[6]) if r[6] else None) for r in rows],
               note='rows 4 and 5 are other companies whose names resemble corpus platforms; they must not be attached to them')
    made.append((write('court', 'zxgk_list', html, 'gbk', exp), 'court-enforcement-list', 'gbk', exp))
    return made


# ---------------------------------------------------------------- disclosure index (list) page: links, no values
def gen_index():
    ctx = Ctx('fenggu', ['2019-05'], 'fenggu_index', pub=False)
    links = []
    for per in reversed(months('2017-06', '2019-05')):
        y, m = map(int, per.split('-'))
        d = pub_date(per, random.Random('idx' + per))
        links.append('<li><a href="/xxpl/yysj/%d%02d.html" target="_blank">%d年%d月运营数据</a><span class="date">%s</span></li>'
                     % (y, m, y, m, d.isoformat()))
    main = ('<h2>运营信息</h2><p>本栏目按月披露平台运营数据，于每月前5个工作日内更新。</p><ul class="news-list">\n%s\n</ul>'
            '<div class="pager">共24条 &nbsp; <a>首页</a> <a>上一页</a> <a class="cur">1</a> <a>下一页</a> <a>尾页</a></div>'
            % '\n'.join(links))
    html = page(ctx, '运营信息', main, style='modern')
    exp = dict(page_type='disclosure_index', layout='L00_index', url_path='/xxpl/yysj/', platform=platform_ref('fenggu'),
               published=None, values=[], links=24,
               note='a list page: the dates beside the links are publication dates of the linked pages; there are no operating values here')
    return [(write('disclosure', 'fenggu_index', html, 'utf-8', exp), 'L00_index', 'utf-8', exp)]


BRIEF = r"""# Your task: write an independent corpus of Chinese P2P platforms' public web pages (tests/crawlers/corpus/)

You are a domain expert in how Chinese online-lending platforms (网络借贷信息中介机构, "P2P") published their information disclosures (信息披露) in 2016–2019, and how registry, court, complaint and news sites looked. A software project (a crawler + extractor) will be measured against your corpus; **you must not read any code of the project** — do not open anything under /work/main except the folder you write (/work/main/tests/crawlers/corpus/, which you create), and do not open /work/shared. Your value is that you have not seen how the extractor works. Write pages as real platforms' sites did, with the variety real inspectors meet; do not simplify to make reading easy.

## Domain (the only material you get)
- The 2017 disclosure guideline (网络借贷信息中介机构业务活动信息披露指引, 银监办发〔2017〕113号) and its attachment (信息披露内容说明) list the monthly operating items, due within the first five working days of the next month:
  累计借贷金额, 累计借贷笔数, 借贷余额, 借贷余额笔数, 利息余额, 累计出借人数量, 累计借款人数量, 当期出借人数量, 当期借款人数量, 前十大借款人待还金额占比, 最大单一借款人待还金额占比, 关联关系借款余额, 关联关系借款笔数, 逾期金额, 逾期笔数, 逾期90天（不含）以上金额, 逾期90天（不含）以上笔数, 累计代偿金额, 累计代偿笔数, 项目逾期率, 金额逾期率, plus 收费标准 and (commonly shown) 历史平均约定年化利率 / 平均年化收益率.
  Platforms spelled these many ways (借贷余额 / 待还余额 / 在贷余额 / 贷款余额 / 待收余额; 累计交易总额 / 累计成交额 / 累计撮合金额; 前十大 / 最大十户 / 前十名; 最大单户 / 最大单一; 逾期率(笔数) / 逾期率(金额); 关联关系借款…), with footnote marks (*, ¹, ②, ※, △, †) and units or qualifiers in brackets (（万元）, (元), （笔）, （人）, (%), (金额), (笔数)), full-width and half-width forms.
- Institution information: full name, 统一社会信用代码 (18 characters with a valid GB 32100 check character — compute it correctly), registered and paid-in capital, 法定代表人, 股东及持股比例, 实际控制人, 董事/监事/高管, 分支机构, ICP 备案号, 存管银行, registered and business address.
- Layouts differ: tables with items in rows and months in columns; items in columns and months in rows; quarterly tables (three months per table or a quarter column); transposed tables with a separate unit column (`在贷余额 | 亿元 | 1.20`); definition lists (`<dl><dt>…<dd>`); key–value cards (`<div class=card><span>label</span><b>value</b>`); narrative sentences (截至2018年6月末，平台累计交易总额为1.17亿元，借贷余额3,456.78万元…); archives with several periods on one page; a caption or a line 单位：万元 / 单位：元 above a table; numbers written 1.17亿, 3,456.78万元, 12,345,678.90元, 0.15%, 百分之十五 is rare but seen; ratios as 15.2% or 0.152; pages in GB18030/GBK (declare `<meta charset="gb18030">` or `gbk`) and UTF-8; some pages state a publication date (发布时间：2018-07-05), many do not.
- Events: shareholder/controller/legal-representative changes (with dates), litigation and enforcement (被执行人, 失信被执行人, judgment amounts like 判决被告偿还借款本金460,000元), penalties, and notices: distress (关于近期兑付困难的说明, 延期兑付公告, 逾期兑付, 暂停发标), wind-down (清盘公告, 良性退出公告), stop of operations (停止运营), police case (立案侦查, 经侦立案).
- Complaint sites (like 黑猫投诉, 网贷之家 曝光台) list posts inline on list pages: each post has a title, date, the platform named by its registered name or brand or short name, and text (提现困难, 逾期不还, 客服失联…), with no page per post. News pages name platforms by brand.
- Registry pages (企业信用信息公示系统 style): company basic info, shareholders with subscribed amounts and shares, key personnel, change records (变更事项, 变更前, 变更后, 变更日期), including ended roles (a former legal representative, a shareholder who exited).

## What to produce
- **At least 44 disclosure pages in at least 16 distinct layouts** (HTML files; vary platforms: at least 12 fictional platforms with plausible names, brands and USCCs), covering the items above with values; at least 5 pages in GB18030/GBK encoding; at least 6 with units in a unit column, caption or 单位 line; at least 4 narrative; at least 4 archives with several periods; at least 8 with footnote marks; at least 4 with no publication date stated; at least 3 with values that are implausible or ambiguous on purpose (a ratio printed 150%, a balance 10,000 times the previous month's, a count with decimals) — mark these in the expected file as `"suspect": true` (a reader should flag them, not store them as fact).
- **Also**: 6 platform "about"/institution pages (实际控制人, shareholders with shares, legal representative, custody bank, address, brand/short name), 6 registry pages (with change records and ended roles), 4 complaint list pages (each with 8–20 inline posts), 4 news pages, 6 notices (distress kinds above, wind-down, stop, police case) — some naming the platform by brand only.
- **Expected values** beside each page: `<page>.expected.json` with: `url_path` (a plausible path like `/xxpt/xxpl/yysj/201806.html`), `encoding`, `platform` {name, uscc, brands[]}, `published` (ISO date or null if the page states none), and by page type:
  - disclosure: `values`: a list of {`item`: the guideline's canonical item name exactly as in the list above (e.g. `借贷余额`, `项目逾期率`, `历史平均约定年化利率`), `period`: `YYYY-MM` (the month end the value refers to; quarterly values at the quarter's last month), `value`: number normalised (amounts in 元, counts as integers, rates and shares as fractions: 0.15 % → 0.0015, 15.2% → 0.152), `label_on_page`: the label text exactly as shown, `suspect`: true only for the deliberate implausible ones};
  - about/registry: `controllers` [{name}], `shareholders` [{name, share (fraction), start, end}], `legal_representatives` [{name, start, end}], `officers` [{name, role, start, end}] (end null if current; dates ISO or null when the page does not say);
  - complaints: `posts` [{date, platform_as_named, platform (registered name it refers to), title, text_contains}];
  - news: `mentions` [{platform_as_named, platform}], `date`;
  - notices: `kind` one of `distress`, `deferred_payment`, `suspended_lending`, `wind_down`, `benign_exit`, `stopped_operations`, `police_case`, with `date`.
- A `tests/crawlers/corpus/platforms.json` listing the fictional platforms (registered name, USCC, brands/short names, custody bank) consistently across all pages.
- `tests/crawlers/corpus/README.md`: this brief verbatim under "Brief given to the author", the list of layouts with what each imitates, the expected-file format, and the rule: **the corpus is never edited to fit the extractor; the extractor is fixed, or a case is written down as out of scope.**
- Pages should look like real sites: navigation, footers, scripts-free noise text, other numbers on the page that are not disclosures (phone numbers, ICP numbers, dates, "注册用户 12,345人" marketing counters) so that a reader must tell them apart. Write a generator script if it helps you keep values consistent (`tests/crawlers/corpus/make_corpus.py`, standard library only), but the committed pages are the corpus.

## How to work
- Commit your folder only: `cd /work/main && git add tests/crawlers/corpus && git commit -m "tests/crawlers/corpus: independent disclosure corpus" -- tests/crawlers/corpus` (other engineers commit concurrently; never `git commit -a`; retry if .git/index.lock exists). Commit as you go.
- It is about 01:00 UTC now. Finish by 02:30 UTC. Your final message: counts per page type and layout, and anything you could not do.
"""


# ---------------------------------------------------------------- README, platforms.json, manifest
README_HEAD = """# Independent corpus: Chinese P2P platforms' disclosure, institution, registry, complaint, news and notice pages

This folder is a test corpus written **without reading any code of the crawler or extractor**.  The pages imitate what
inspectors met on real sites in 2016–2019 (网络借贷信息中介机构 information-disclosure pages, 国家企业信用信息公示系统 and commercial
registry aggregators, 黑猫投诉 / 网贷之家曝光台 complaint lists, industry news, platform and police notices).  All platforms, people,
USCCs, addresses, numbers and events are fictional; real banks, regulators, courts, police bureaus, media and complaint sites
appear only as scenery and the events attributed to them are invented.  Every USCC has a valid GB 32100 check character (and its
embedded organisation code a valid GB 11714 check character).

## The rule

**The corpus is never edited to fit the extractor; the extractor is fixed, or a case is written down as out of scope.**

A page that the extractor reads wrongly is a finding.  If a case is judged out of scope, record it (page, value, reason) in a
separate file next to the tests, not by changing the page or its expected file.

## Layout of the folder

- `disclosure/`  monthly / quarterly / archive operating-data pages (信息披露 运营信息)
- `about/`       platform institution pages (组织信息 / 关于我们)
- `registry/`    registry pages (企业信用信息公示系统 style and aggregator style)
- `complaints/`  complaint list pages with inline posts
- `news/`        news articles naming platforms
- `court/`       a 裁判文书网 judgment and a 执行信息公开网 被执行人 list
- `notices/`     distress, deferred payment, suspended lending, wind-down, benign exit, stop of operations, police case
- `platforms.json` the fictional platforms (registered name, USCC, brands/short names, custody bank, …)
- `manifest.json`  every page with its type, layout and encoding
- `make_corpus.py` the generator (standard library only) used to keep values consistent.  **The committed pages are the
  corpus**; re-running the script reproduces them byte for byte (it is deterministic), but nobody should regenerate pages to
  make a test pass.

Every page `X.html` has `X.expected.json` beside it.

## Expected-file format

Common keys:

- `page_type`: `disclosure` | `disclosure_index` | `about` | `registry` | `complaints` | `news` | `notice` | `court`
- `layout`: the layout name (see below)
- `url_path`: a plausible path on the site the page imitates
- `encoding`: `utf-8`, `gbk` or `gb18030` — the bytes of the page are in this encoding and the page declares it, as `<meta charset="gbk">` or, on the
  legacy table-layout pages, as `<meta http-equiv="Content-Type" content="text/html; charset=gbk" />`
- `platform`: `{name, uscc, brands[]}` of the platform the page belongs to, or `null` for multi-platform pages (news, general
  complaint lists)
- `published`: ISO date the page states as its publication date (发布时间 / 发布日期 / 更新时间 / a dated sign-off 落款 / `<time>`),
  or `null` if the page states none.  Statistical cut-off dates (统计截止日 2018-11-30) are **not** publication dates.

### disclosure

- `values`: list of `{item, period, value, label_on_page, suspect}`
  - `item`: canonical item name exactly as in the guideline list: 累计借贷金额, 累计借贷笔数, 借贷余额, 借贷余额笔数, 利息余额,
    累计出借人数量, 累计借款人数量, 当期出借人数量, 当期借款人数量, 前十大借款人待还金额占比, 最大单一借款人待还金额占比,
    关联关系借款余额, 关联关系借款笔数, 逾期金额, 逾期笔数, 逾期90天（不含）以上金额, 逾期90天（不含）以上笔数, 累计代偿金额,
    累计代偿笔数, 项目逾期率, 金额逾期率, 历史平均约定年化利率.  Labels such as 平均年化收益率 / 历史平均年化收益率 /
    平均约定年化利率 are mapped to `历史平均约定年化利率`.
  - `period`: `YYYY-MM`, the month whose end the value refers to; quarterly columns use the quarter's last month.
  - `value`: normalised number computed from the text **as displayed** (after the page's rounding): amounts in 元
    (3,456.78万元 → 34567800; 1.17亿 → 117000000), counts as integers, rates and shares as fractions (0.15% → 0.0015,
    15.2% → 0.152; a ratio printed as 0.152 stays 0.152).  Because each page rounds to its own unit, the same platform-month can
    have slightly different expected values on two pages (亿元 with 4 decimals vs 元 with 2).
  - `label_on_page`: the label text as shown, whitespace-trimmed, including unit qualifiers and footnote marks
    (`借贷余额（万元）*`, `项目逾期率¹` — a `<sup>` mark is included as its character), without a trailing colon.  In
    narrative pages it is the words naming the value in the sentence (e.g. `笔数` in `其中逾期90天（不含）以上金额…、笔数63笔`,
    `在贷借款`).  In two-level headers it is `group / sub` (`逾期90天（不含）以上 / 金额`); in a row × column table it is
    `row label / column header` (`出借人数量（人） / 本月`).
  - `suspect`: `true` only for values that are implausible or ambiguous on purpose (a share of 150%, a balance 10,000 times the
    neighbouring months, a count with decimals); a reader should flag them rather than store them as fact.  The `value` given is
    what the page literally says, normalised.
- `texts`: the 收费标准 (fee schedule) text: `{item: "收费标准", period, label_on_page, text_contains}`.
- `distractors`: numbers on the page that are **not** disclosure items (注册用户 counters, 累计为出借人赚取收益, 风险准备金余额,
  新增注册用户, 较上月增长 x%, 客服热线 …) — `{label_on_page, text}`.  Nothing here should be stored as an item.  Other numbers
  (ICP and 公安备案 numbers, dates, 环比 columns, footnote formulas with 100% / 90天, 注册资本 in the footer, 统计期间 notes,
  阅读/浏览 counts) are also noise and are not listed one by one.

### about / registry

- `controllers`: `[{name}]` 实际控制人 as the page states (registry pages of the 公示系统 style state none → `[]`)
- `shareholders`: `[{name, share, start, end}]` — `share` a fraction (70% → 0.7), computed on registry pages as subscribed
  amount / registered capital; `null` when the page does not let one derive it (an exited shareholder named only in a
  公示系统 change record).  `start`/`end` ISO dates when the page says them (a change record's 变更日期, a dated event in the
  about page's 重大变更 list), else `null`; `end: null` means current.
- `legal_representatives`: `[{name, start, end}]`, same date rule (a 法定代表人变更 record ends the old one and starts the new one
  on its 变更日期).
- `officers`: `[{name, role, start, end}]`, same date rule; the same person may appear twice with two roles.
- about pages also have `institution` (registered/paid-in capital in 元, custody bank, ICP, addresses, branches);
  registry pages also have `changes` (every change record as shown), `penalties` (行政处罚), `enforcement` (被执行人 /
  失信被执行人 with case number, court, filing date, amount in 元) and `abnormal` (经营异常名录).

### complaints

- `posts`: `[{date, platform_as_named, platform, title, text_contains}]` — `platform` is the registered name the post refers to,
  or `null` when the post names a platform that is not in `platforms.json` (those are noise: do not attach them to a corpus
  platform).  Posts have no page of their own; everything is inline on the list page.

### news

- `date`, `mentions`: `[{platform_as_named, platform}]` (one entry per distinct naming; `platform: null` for platforms outside
  the corpus).

### notice

- `kind`: one of `distress`, `deferred_payment`, `suspended_lending`, `wind_down`, `benign_exit`, `stopped_operations`,
  `police_case`; `date`: the notice's date; `platform_as_named`: how the notice names the platform.  Convention used:
  兑付困难 / 逾期兑付 → `distress`; 延期兑付 → `deferred_payment`; 暂停发标 → `suspended_lending`; 清盘 → `wind_down`;
  良性退出 → `benign_exit`; 停止运营 → `stopped_operations`; 立案侦查 / 经侦立案 → `police_case`.

### court

- judgment: `case_no`, `court`, `judgment_date`, `parties` [{name, role}], `amounts` [{what, amount in 元}],
  `defendant_legal_representative`, `platform_as_named`; `published` is the 发布日期 of the document on the site.
- enforcement list: `enforcement` [{name, org_code, court, filed, case_no, amount, kind, platform}] — `platform: null` for
  companies whose names only resemble a corpus platform.

### disclosure_index

- a list page of links to monthly disclosures: `values` is empty; the dates beside the links are not operating data.

## Layouts
"""


def gen_all():
    made = []
    made += gen_disclosures()
    made += gen_about()
    made += gen_registry()
    made += gen_complaints()
    made += gen_news()
    made += gen_notices()
    made += gen_court()
    made += gen_index()
    plats = [dict(name=p['name'], uscc=p['uscc'], brands=p['brands'], custody_bank=p['bank'], founded=p['founded'],
                  registered_capital=p['cap'] * 10000, paid_in_capital=p['paid'] * 10000, icp=p['icp'],
                  registered_address=p['reg_addr'], business_address=p['biz_addr'], site=p['domain'])
             for p in PLATFORMS]
    with open(os.path.join(HERE, 'platforms.json'), 'w', encoding='utf-8') as f:
        json.dump(plats, f, ensure_ascii=False, indent=1)
        f.write('\n')
    manifest = [dict(page=path, page_type=exp['page_type'], layout=lay, encoding=cs,
                     platform=exp['platform']['name'] if exp.get('platform') else None,
                     published=exp.get('published'), n_values=len(exp.get('values', [])),
                     n_suspect=sum(1 for v in exp.get('values', []) if v['suspect']))
                for path, lay, cs, exp in made]
    with open(os.path.join(HERE, 'manifest.json'), 'w', encoding='utf-8') as f:
        json.dump(manifest, f, ensure_ascii=False, indent=1)
        f.write('\n')
    # README
    from collections import Counter, defaultdict
    by_lay = defaultdict(list)
    for m in manifest:
        by_lay[m['layout']].append(m)
    lines = [README_HEAD]
    lines.append('| layout | imitates | pages |\n|---|---|---|')
    other_desc = {
        'about-modern': '组织信息 page: basic-info table, 股东信息 table with 持股比例, 实际控制人 sentence, 董监高 table, optional 重大变更 list',
        'about-bs': 'about page with a <dl> of basic info, shareholders and officers tables',
        'about-cms': '信息披露专栏 组织信息 page with 重大变更 list (dated shareholder exit and legal-representative change)',
        'registry-gsxt': '国家企业信用信息公示系统 detail page: 营业执照信息, 股东及出资信息 (认缴出资额, no percentages), 主要人员, 变更信息 (names only), 经营异常, 行政处罚',
        'registry-agg': 'commercial aggregator (企查查/天眼查 style): 工商信息, 实际控制人 card, 股东 with 持股比例, 变更记录 with 出资比例, 司法风险 (被执行人/失信被执行人)',
        'complaints-heimao': '黑猫投诉 latest-complaints list, posts inline with 投诉编号/投诉对象/涉诉金额 noise',
        'complaints-heimao_company': '黑猫投诉 company page listing complaints about one platform named in several ways',
        'complaints-wdzj': '网贷之家 论坛 曝光台 thread list with the first post previewed inline',
        'news-article': 'industry news article naming platforms by brand, short name or registered name, with other numbers',
        'notice-platform': 'notice on the platform site (公告), dated in 发布时间 and in the sign-off',
        'notice-wechat': 'WeChat official-account article: brand only, no registered name, no footer',
        'notice-police': 'police 警情通报 naming the operating company by registered name',
        'court-judgment': '中国裁判文书网 civil judgment: 判决被告偿还借款本金460,000元, 案件受理费, parties, 法定代表人',
        'court-enforcement-list': '中国执行信息公开网 被执行人 result list, including look-alike company names that are not corpus platforms',
        'L00_index': 'list page of monthly disclosure links with dates, no values',
    }
    for lay in sorted(by_lay):
        ms = by_lay[lay]
        desc = LAYOUT_DESC.get(lay) or other_desc.get(lay, '')
        lines.append('| `%s` | %s | %s |' % (lay, desc.replace('|', '\\|'), ', '.join('`%s`' % m['page'] for m in ms)))
    cnt = Counter(m['page_type'] for m in manifest)
    enc = Counter((m['page_type'], m['encoding']) for m in manifest)
    lines.append('\n## Counts\n')
    lines.append('| page type | pages | encodings |\n|---|---|---|')
    for t in ['disclosure', 'disclosure_index', 'about', 'registry', 'complaints', 'news', 'notice', 'court']:
        lines.append('| %s | %d | %s |' % (t, cnt[t], ', '.join('%s %d' % (e, n) for (tt, e), n in sorted(enc.items()) if tt == t)))
    dis = [m for m in manifest if m['page_type'] == 'disclosure']
    lines.append('\nDisclosure pages: %d in %d layouts, %d values (%d marked suspect), %d without a stated publication date, '
                 '%d platforms.\n' % (len(dis), len({m['layout'] for m in dis}), sum(m['n_values'] for m in dis),
                                      sum(m['n_suspect'] for m in dis), sum(1 for m in dis if not m['published']),
                                      len({m['platform'] for m in dis})))
    lines.append('Deliberately suspect values: ' + '; '.join(
        '`%s` %s %s (%s)' % (m['page'], v['item'], v['period'], v['label_on_page'])
        for m, exp in [(mm, e) for (_, _, _, e), mm in zip(made, manifest)] for v in exp.get('values', []) if v['suspect']) + '.\n')
    lines.append('What makes them suspect: a balance typed in 元 under a 万元 header (10,000 times the neighbouring month); a '
                 'top-ten share of 150%; an overdue count of 36.5; an amount overdue rate printed 0.0123% beside a count rate of '
                 '1.14% (a fraction with a % sign).  The expected `value` is what the page literally says, normalised.\n')
    lines.append('''## Limits of this corpus

- No pages rendered by JavaScript, no data in images or PDFs (many real platforms published monthly reports as images or
  PDF attachments; those are out of reach of an HTML corpus).
- Annual audit reports (年度审计报告), 备案登记 documents and per-project loan disclosures are not covered.
- Values are synthetic series per platform; they are internally consistent (cumulative figures grow, 90-day overdue figures
  stay below overdue figures, a page's rates match its own amounts to rounding) except where marked `suspect`.

## Checks the author ran

- every USCC in pages and `platforms.json` passes the GB 32100 check; every page decodes strictly in its declared encoding;
- every `label_on_page` occurs in the page text; every stated publication date occurs on the page;
- an independent re-parse of the suffix-unit layouts (label → number → 亿/万/元/%/笔/人) reproduced every expected value;
- the unit-column pages were re-read row by row (label, unit, number) and matched.
''')
    lines.append('\n## Brief given to the author\n\n' + BRIEF)
    with open(os.path.join(HERE, 'README.md'), 'w', encoding='utf-8') as f:
        f.write('\n'.join(lines))
    return manifest


if __name__ == '__main__':
    m = gen_all()
    print('%d pages written' % len(m))
