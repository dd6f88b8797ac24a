"""What the demo's requesters write when they book: each start-up about its own products,
on the instruments its work needs, and the university's student about a thesis.

Start-up purposes are keyed by firm (its user name in config.demo.data.FIRMS) and by the
second-level category of the instrument (the first four digits of its code); `{n}` in a
sample description is the number of samples.
"""

import random

STARTUP_PURPOSES: dict[str, dict[str, list[tuple[str, str]]]] = {
    "nanowei": {  # nano drug carriers
        "0101": [("纳米药物载体形貌表征", "载药脂质纳米粒冻干粉 {n} 个，需喷金"),
                 ("介孔二氧化硅载体孔道结构观察", "介孔二氧化硅微球粉末 {n} 个")],
        "0102": [("新药候选化合物纯度检测", "候选化合物 {n} 个，各约 5 mg，已溶于 DMSO"),
                 ("药代动力学血浆样品药物浓度测定", "大鼠血浆 {n} 份，-80 ℃ 干冰运送")],
        "0103": [("载药微球药物晶型分析", "冻干载药微球粉末 {n} 个")],
        "0104": [("药用辅料官能团鉴定", "聚乳酸-羟基乙酸共聚物 {n} 批")],
        "0105": [("新药候选化合物纯度检测", "候选化合物 {n} 个，各约 2 mg")],
        "0106": [("合成中间体结构确证", "合成中间体 {n} 个，各 10 mg，氘代氯仿溶解")],
        "0108": [("纳米粒细胞摄取共聚焦成像", "FITC 标记纳米粒处理的细胞爬片 {n} 张")],
        "0109": [("载药高分子材料热稳定性测试", "高分子载体材料 {n} 个，各约 10 mg")],
        "0110": [("纳米药物诱导肿瘤细胞凋亡检测", "Annexin V/PI 染色细胞悬液 {n} 管")],
        "0205": [("纳米乳制剂粒径分布测定", "纳米乳样品 {n} 瓶，各 20 mL")],
        "0902": [("荷瘤小鼠体内药物分布成像", "荷瘤裸鼠 {n} 只，已注射荧光标记制剂")],
    },
    "xince": {  # failure analysis and reliability of chips
        "0101": [("芯片失效分析（截面形貌观察）", "失效芯片 {n} 颗，已开封"),
                 ("键合引线断裂原因分析", "封装样品 {n} 件")],
        "0103": [("GaN 外延片物相与结晶质量分析", "2 英寸 GaN 外延片 {n} 片")],
        "0104": [("SiC 衬底残余应力拉曼表征", "4 英寸 SiC 衬底 {n} 片")],
        "0108": [("晶圆表面粗糙度测量", "抛光硅片 {n} 片，已切成 1 cm 方片")],
        "0201": [("引线框架铜合金拉伸性能测试", "铜合金带材试样 {n} 根")],
        "0301": [("封装外壳关键尺寸检测", "陶瓷封装外壳 {n} 件")],
        "0402": [("射频前端芯片 S 参数测试", "射频芯片 {n} 颗，已焊在测试板上")],
        "0405": [("功率 MOSFET 器件 I-V、C-V 特性测试", "功率器件裸片 {n} 颗")],
        "1203": [("MEMS 压力传感器深硅刻蚀", "4 英寸硅片 {n} 片，已光刻"),
                 ("纳米光栅电子束直写", "涂胶硅片 {n} 片")],
        "1301": [("功率模块热仿真计算", "仿真任务 {n} 个，约 200 核时")],
        "1401": [("晶圆激光隐形切割工艺验证", "8 英寸测试晶圆 {n} 片")],
        "9900": [("芯片模块高低温循环可靠性试验", "功率模块 {n} 件")],
    },
    "lvyuan": {  # food safety testing
        "0101": [("食品包装膜截面形貌观察", "复合包装膜 {n} 片")],
        "0102": [("蔬菜中农药残留检测", "蔬菜样品 {n} 份，已均质冷藏"),
                 ("大米中镉、铅含量检测", "大米样品 {n} 份，已微波消解")],
        "0103": [("食品添加剂二氧化钛晶型鉴别", "添加剂粉末 {n} 个")],
        "0104": [("食用油掺伪红外快速鉴别", "食用油样品 {n} 份")],
        "0105": [("饮料中苯甲酸钠、山梨酸钾含量测定", "饮料样品 {n} 瓶")],
        "0106": [("蜂蜜真伪核磁指纹分析", "蜂蜜样品 {n} 份")],
        "0107": [("腌制食品亚硝酸盐电化学检测方法开发", "腌制品提取液 {n} 份")],
        "0109": [("烘焙油脂热稳定性测试", "起酥油样品 {n} 个")],
        "0110": [("益生菌活菌计数方法比对", "益生菌粉稀释液 {n} 管")],
        "0205": [("婴幼儿奶粉颗粒粒度分布测定", "奶粉样品 {n} 罐")],
    },
    "qineng": {  # battery materials
        "0101": [("电池正极材料形貌表征", "三元正极材料粉末 {n} 个，需喷碳"),
                 ("循环后负极极片截面观察", "拆解极片 {n} 片，手套箱内封装")],
        "0102": [("电解液添加剂分解产物分析", "循环后电解液 {n} 份，氩气密封")],
        "0103": [("正极材料物相与晶体结构分析", "NCM811 粉末 {n} 个"),
                 ("正极材料表面元素价态分析", "包覆改性正极粉末 {n} 个")],
        "0104": [("粘结剂与电解液官能团分析", "粘结剂膜 {n} 片")],
        "0107": [("扣式电池循环伏安与阻抗测试", "CR2032 扣式电池 {n} 个")],
        "0108": [("隔膜表面形貌与孔隙测量", "涂覆隔膜 {n} 片")],
        "0109": [("正极材料热稳定性测试", "满电态正极粉末 {n} 个，各约 5 mg")],
        "0201": [("极片集流体拉伸强度测试", "铝箔集流体试样 {n} 条")],
        "0205": [("正极前驱体粒度分布测定", "前驱体粉末 {n} 个")],
        "1301": [("正极材料第一性原理计算", "计算任务 {n} 个，约 500 核时")],
        "9900": [("电池包高低温环境试验", "软包电池 {n} 只")],
    },
}  # fmt: skip

# The university's own student, on any instrument.
RESEARCH_PURPOSES = [
    ("毕业论文实验", "课题样品 {n} 个"),
    ("国家自然科学基金项目样品测试", "实验样品 {n} 个"),
    ("课题组新材料样品表征", "样品 {n} 个"),
]


def startup_purpose_texts() -> set[str]:
    return {
        purpose for by_category in STARTUP_PURPOSES.values() for pairs in by_category.values() for purpose, _ in pairs
    }


def firms_for(category: str) -> list[str]:
    """The start-ups whose work needs an instrument of this category."""
    return [firm for firm, by_category in STARTUP_PURPOSES.items() if category[:4] in by_category]


def startup_purpose(firm: str, category: str, rng: random.Random) -> tuple[str, str]:
    """(purpose, sample description) of a start-up's booking of an instrument of the category."""
    purpose, samples = rng.choice(STARTUP_PURPOSES[firm][category[:4]])
    return purpose, samples.format(n=rng.randint(2, 12))


def research_purpose(rng: random.Random) -> tuple[str, str]:
    purpose, samples = rng.choice(RESEARCH_PURPOSES)
    return purpose, samples.format(n=rng.randint(1, 8))
