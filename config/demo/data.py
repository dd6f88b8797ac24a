"""The demo network: Jiangsu institutions, their labs and instruments, firms and regulators."""

# (code, Chinese name, English name, kind, region code, [(lab code, Chinese name, English name)])
INSTITUTIONS = [
    ("NJU", "南京大学", "Nanjing University", "university", "320106",
     [("ac", "现代分析中心", "Center for Modern Analysis"), ("micro", "微结构科学与技术实验室", "Microstructure Lab")]),
    ("SEU", "东南大学", "Southeast University", "university", "320102",
     [("etc", "电子测试中心", "Electronics Test Center"), ("bme", "生物医学工程实验室", "Biomedical Engineering Lab")]),
    ("SUDA", "苏州大学", "Soochow University", "university", "320508",
     [("atc", "分析测试中心", "Analysis and Testing Center")]),
    ("SINANO", "中国科学院苏州纳米技术与纳米仿生研究所", "Suzhou Institute of Nano-Tech and Nano-Bionics, CAS",
     "institute", "320506",
     [("nanofab", "纳米加工平台", "Nanofabrication Facility"), ("test", "测试分析平台", "Characterization Platform")]),
    ("JNU", "江南大学", "Jiangnan University", "university", "320211",
     [("food", "食品科学分析中心", "Food Science Analysis Center")]),
    ("CCZU", "常州大学", "Changzhou University", "university", "320412",
     [("petro", "石油化工分析中心", "Petrochemical Analysis Center")]),
    ("JITRI", "江苏省产业技术研究院", "Jiangsu Industrial Technology Research Institute", "institute", "320115",
     [("materials", "先进材料测试平台", "Advanced Materials Testing Platform")]),
]  # fmt: skip

# (credit code body without its check character, Chinese name, region code, user name, person)
FIRMS = [
    ("91320506MA1W8K2P3", "苏州纳微生物科技有限公司", "320506", "nanowei", "陈晓"),
    ("91320115MA1XC4T56", "南京芯测半导体科技有限公司", "320115", "xince", "王磊"),
    ("91320211MA1LY7Q08", "无锡绿源食品检测有限公司", "320211", "lvyuan", "李娜"),
    ("91320411MA2XQ3N7K", "常州启能电池材料科技有限公司", "320411", "qineng", "周婷"),
]

REGULATORS = [
    ("JSKJT", "江苏省科学技术厅", "Jiangsu Provincial Department of Science and Technology", "320000", "province"),
    ("SZKJJ", "苏州市科学技术局", "Suzhou Municipal Bureau of Science and Technology", "320500", "suzhou"),
]

# (category, Chinese name, English name, manufacturer, model, country, value range in 万元, specs, functions)
INSTRUMENTS = [
    ("010102", "场发射扫描电子显微镜", "Field emission scanning electron microscope", "Carl Zeiss", "Sigma 300", "德国",
     (180, 320), "分辨率 1.2 nm @ 15 kV；加速电压 0.02–30 kV；配能谱仪", "表面形貌观察、微区成分分析"),
    ("010101", "透射电子显微镜", "Transmission electron microscope", "JEOL", "JEM-2100F", "日本",
     (650, 900), "点分辨率 0.23 nm；加速电压 200 kV", "高分辨成像、电子衍射、纳米结构分析"),
    ("010104", "聚焦离子束双束电镜", "Focused ion beam / SEM dual-beam system", "Thermo Fisher", "Helios 5 UC", "美国",
     (900, 1400), "离子束分辨率 2.5 nm；电子束分辨率 0.6 nm", "TEM 制样、微纳加工、三维重构"),
    ("010202", "液相色谱-质谱联用仪", "Liquid chromatograph-mass spectrometer", "Agilent", "6546 LC/Q-TOF", "美国",
     (320, 480), "质量精度 < 1 ppm；分辨率 > 60,000", "小分子定性定量、代谢组学"),
    ("010203", "电感耦合等离子体质谱仪", "Inductively coupled plasma mass spectrometer", "Thermo Fisher", "iCAP RQ", "美国",
     (150, 260), "检出限 ppt 级；质量范围 2–290 amu", "痕量元素与同位素分析"),
    ("010201", "气相色谱-质谱联用仪", "Gas chromatograph-mass spectrometer", "Shimadzu", "GCMS-QP2020 NX", "日本",
     (60, 110), "质量范围 1.5–1090 m/z；扫描速度 20,000 u/s", "挥发性有机物定性定量"),
    ("010301", "X射线衍射仪", "X-ray diffractometer", "Bruker", "D8 ADVANCE", "德国",
     (120, 260), "Cu 靶；测角仪精度 ±0.0001°", "物相分析、晶体结构、残余应力"),
    ("010304", "X射线光电子能谱仪", "X-ray photoelectron spectrometer", "Thermo Fisher", "ESCALAB Xi+", "美国",
     (450, 650), "能量分辨率 ≤ 0.45 eV；束斑 20–900 μm", "表面元素组成与化学态分析"),
    ("010405", "傅里叶变换红外光谱仪", "Fourier transform infrared spectrometer", "Thermo Fisher", "Nicolet iS50", "美国",
     (45, 90), "光谱范围 7800–350 cm⁻¹；分辨率 0.09 cm⁻¹", "有机官能团鉴定、材料表征"),
    ("010406", "激光共聚焦拉曼光谱仪", "Confocal Raman microscope", "HORIBA", "LabRAM HR Evolution", "法国",
     (150, 260), "光谱分辨率 ≤ 0.35 cm⁻¹；激光 532/633/785 nm", "分子结构、应力与晶型分析"),
    ("010502", "高效液相色谱仪", "High performance liquid chromatograph", "Waters", "ACQUITY Arc", "美国",
     (40, 80), "压力上限 9500 psi；二极管阵列检测", "药物与食品成分分离定量"),
    ("010601", "核磁共振波谱仪", "Nuclear magnetic resonance spectrometer", "Bruker", "AVANCE NEO 600", "德国",
     (500, 900), "600 MHz；超低温探头", "分子结构解析、动力学研究"),
    ("010802", "激光扫描共聚焦显微镜", "Confocal laser scanning microscope", "Leica", "STELLARIS 5", "德国",
     (200, 380), "分辨率 XY 120 nm；5 条激光线", "活细胞成像、三维重构"),
    ("010803", "原子力显微镜", "Atomic force microscope", "Bruker", "Dimension Icon", "美国",
     (180, 300), "噪声水平 < 30 pm；扫描范围 90 μm", "纳米形貌、力学与电学性质测量"),
    ("010903", "同步热分析仪", "Simultaneous thermal analyzer", "NETZSCH", "STA 449 F5", "德国",
     (50, 90), "温度范围 RT–1600 ℃；天平分辨率 0.1 μg", "热重与差示扫描量热"),
    ("011005", "流式细胞仪", "Flow cytometer", "BD", "FACSCelesta", "美国",
     (90, 180), "3 激光 12 色；检测速度 10,000 事件/秒", "细胞表型与周期分析"),
    ("020101", "电子万能材料试验机", "Universal testing machine", "Instron", "5985", "美国",
     (60, 120), "最大载荷 250 kN；位移分辨率 0.02 μm", "拉伸、压缩、弯曲性能测试"),
    ("020501", "激光粒度分析仪", "Laser particle size analyzer", "Malvern", "Mastersizer 3000", "英国",
     (50, 80), "测量范围 0.01–3500 μm", "粉体与乳液粒度分布"),
    ("040201", "矢量网络分析仪", "Vector network analyzer", "Keysight", "N5227B", "美国",
     (150, 300), "10 MHz–67 GHz；动态范围 > 120 dB", "射频器件 S 参数测量"),
    ("040502", "半导体参数分析仪", "Semiconductor parameter analyzer", "Keysight", "B1500A", "美国",
     (80, 150), "电流分辨率 0.1 fA；4 个 SMU", "器件 I-V、C-V 特性测量"),
    ("090205", "小动物活体成像系统", "In vivo small animal imaging system", "PerkinElmer", "IVIS Spectrum", "美国",
     (180, 300), "生物发光与荧光成像；3D 断层", "肿瘤模型、药物分布研究"),
    ("120301", "电子束光刻系统", "Electron beam lithography system", "Raith", "EBPG 5200", "德国",
     (1500, 2500), "最小线宽 < 8 nm；写场 1 mm", "纳米图形直写"),
    ("120302", "感应耦合等离子体刻蚀机", "Inductively coupled plasma etcher", "Oxford Instruments", "PlasmaPro 100 Cobra", "英国",
     (300, 500), "8 英寸；刻蚀均匀性 < ±3%", "硅、III-V 族及介质刻蚀"),
    ("130101", "高性能计算集群", "High-performance computing cluster", "浪潮", "NF5468M6", "中国",
     (200, 600), "GPU 节点 8 卡；InfiniBand 200 Gb/s", "分子动力学、AI 训练与科学计算"),
    ("140101", "飞秒激光器", "Femtosecond laser", "Coherent", "Astrella", "美国",
     (150, 280), "脉宽 < 35 fs；单脉冲能量 7 mJ", "超快光谱、激光微加工"),
    ("030101", "三坐标测量机", "Coordinate measuring machine", "ZEISS", "CONTURA", "德国",
     (80, 160), "测量精度 1.8 + L/300 μm", "精密零件几何尺寸测量"),
    ("010701", "电化学工作站", "Electrochemical workstation", "上海辰华", "CHI760E", "中国",
     (8, 20), "电位范围 ±10 V；电流分辨率 0.3 fA", "循环伏安、阻抗谱测量"),
    ("990000", "气候环境试验箱", "Climatic test chamber", "ESPEC", "PR-3J", "日本",
     (20, 45), "温度 -20–100 ℃；湿度 20–98% RH", "温湿度环境可靠性试验"),
]  # fmt: skip

# Which instrument templates each lab holds (indexes into INSTRUMENTS), so that every
# lab's list fits its field.
LAB_HOLDINGS = {
    ("NJU", "ac"): [0, 3, 6, 7, 8, 11, 14, 4, 9],
    ("NJU", "micro"): [1, 2, 13, 24, 21],
    ("SEU", "etc"): [18, 19, 25, 26, 27],
    ("SEU", "bme"): [12, 15, 20, 10, 3],
    ("SUDA", "atc"): [0, 5, 6, 8, 10, 11, 16, 17],
    ("SINANO", "nanofab"): [21, 22, 2, 19],
    ("SINANO", "test"): [0, 1, 7, 9, 13, 6],
    ("JNU", "food"): [5, 10, 3, 4, 15, 8, 17],
    ("CCZU", "petro"): [5, 8, 14, 17, 26, 6],
    ("JITRI", "materials"): [16, 6, 0, 23, 25, 14, 27, 24],
}

FEES = ["200 元/小时（校外 300 元/小时）", "150 元/样", "80 元/小时", "按机时收费，详询联系人", "500 元/小时"]
RULES = "提前 3 个工作日预约；首次使用须经培训考核；校外用户可委托测试。"
SERVICES = "自主上机测试、委托测试、技术咨询与培训"
